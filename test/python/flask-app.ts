/**
 * A small Flask + Jinja dashboard as a target repo, the way a data-platform team would set one up:
 * Flask from the system (Debian's python3-flask; no Python registry is reachable here), a local
 * package installed from `vendor/` with `pip install --no-index` into the virtual environment
 * Loopwright builds, a unittest check, and `python app.py` without debug mode — so templates are
 * cached and an edit shows only after a restart.
 */
import { writeZip } from '../../src/evidence/zip.ts';

/** A wheel of the local package `metricfmt` (formats numbers for the dashboard). */
export function metricfmtWheel(): Buffer {
  const files: Record<string, string> = {
    'metricfmt/__init__.py': 'def fmt(n):\n    return f"{n:,}"\n',
    'metricfmt-1.0.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: metricfmt\nVersion: 1.0.0\n',
    'metricfmt-1.0.0.dist-info/WHEEL':
      'Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
    'metricfmt-1.0.0.dist-info/top_level.txt': 'metricfmt\n',
  };
  const record =
    [...Object.keys(files), 'metricfmt-1.0.0.dist-info/RECORD'].map((f) => `${f},,`).join('\n') + '\n';
  files['metricfmt-1.0.0.dist-info/RECORD'] = record;
  return writeZip(Object.entries(files).map(([name, text]) => ({ name, data: Buffer.from(text) })));
}

export const LOOPWRIGHT_YML = [
  '# Flask comes from the system packages; the rest is installed offline from vendor/.',
  'python: { interpreter: python3, systemSitePackages: true }',
  'install: pip install --no-index --find-links vendor -r requirements.txt',
  'start: python app.py',
  'ready: /health',
  'checks: [python -m unittest discover -s tests -t .]',
  "protected: ['.loopwright.yml', requirements.txt, 'vendor/**']",
  'routes: [/]',
  'generated: [exports/]',
  '',
].join('\n');

export const FLASK_FILES: Record<string, string | Buffer> = {
  '.loopwright.yml': LOOPWRIGHT_YML,
  'requirements.txt': 'metricfmt==1.0.0\n',
  'vendor/metricfmt-1.0.0-py3-none-any.whl': metricfmtWheel(),
  'AGENTS.md': '# Metrics\nThe page is templates/index.html, rendered by app.py from metrics.py.\n',
  'metrics.py': [
    '"""The numbers the dashboard shows."""',
    '',
    'METRICS = [("Signups", 1200), ("Churned", 34)]',
    '',
    '',
    'def total():',
    '    return sum(value for _, value in METRICS)',
    '',
  ].join('\n'),
  'app.py': [
    '"""Team metrics dashboard: one page from a Jinja template."""',
    'import os',
    '',
    'from flask import Flask, render_template',
    'from metricfmt import fmt',
    '',
    'import metrics',
    '',
    'app = Flask(__name__)',
    'app.jinja_env.filters["fmt"] = fmt',
    '',
    '',
    '@app.route("/")',
    'def index():',
    '    return render_template("index.html", metrics=metrics.METRICS, total=metrics.total())',
    '',
    '',
    '@app.route("/health")',
    'def health():',
    '    return "ok"',
    '',
    '',
    'if __name__ == "__main__":',
    '    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))',
    '',
  ].join('\n'),
  'templates/index.html': [
    '<!doctype html>',
    '<html lang="en">',
    '<head><title>Metrics</title></head>',
    '<body>',
    '<h1>Metrics</h1>',
    '<table>',
    '{% for name, value in metrics %}<tr><th scope="row">{{ name }}</th><td>{{ value|fmt }}</td></tr>',
    '{% endfor %}</table>',
    '</body>',
    '</html>',
    '',
  ].join('\n'),
  'tests/__init__.py': '',
  'tests/test_app.py': [
    'import unittest',
    '',
    'from app import app',
    '',
    '',
    'class PageTest(unittest.TestCase):',
    '    def test_page_lists_metrics(self):',
    '        page = app.test_client().get("/").get_data(as_text=True)',
    '        self.assertIn("Signups", page)',
    '        self.assertIn("1,200", page)',
    '',
    '',
    'if __name__ == "__main__":',
    '    unittest.main()',
    '',
  ].join('\n'),
};

/** The request and the template change that answers it. */
export const TOTAL_REQUEST = 'On the metrics page, show the total of all metrics under the table.';
export const TOTAL_TEXT = 'Total: 1,234';
export const TOTAL_EDIT: [string, unknown] = [
  'edit_file',
  {
    path: 'templates/index.html',
    old_string: '{% endfor %}</table>\n',
    new_string: '{% endfor %}</table>\n<p role="status">Total: {{ total|fmt }}</p>\n',
  },
];
export const TOTAL_PLAN = {
  title: 'The metrics page shows the total',
  steps: [
    { action: 'goto', url: '/' },
    { action: 'expect_text', target: { role: 'status' }, text: TOTAL_TEXT },
  ],
};
