import { beforeEach, describe, expect, it } from 'vitest';
import { addCell, deleteCell, moveCell, updateCell } from './cells';
import { parseMarkdown } from './markdown';
import { SAMPLE_NOTEBOOKS } from './samples';
import { createNotebook, getNotebooks, resetNotebookCache, saveNotebook, STORAGE_KEY } from './store';
import { runQuery } from '../query';

const base = () => structuredClone(SAMPLE_NOTEBOOKS[0]);

describe('cell operations', () => {
  it('adds, moves, updates and deletes cells without mutating', () => {
    const nb = base();
    const added = addCell(nb, 'query');
    expect(added.cells).toHaveLength(nb.cells.length + 1);
    expect(added.cells.at(-1)?.type).toBe('query');
    expect(nb.cells).toHaveLength(SAMPLE_NOTEBOOKS[0].cells.length);

    const moved = moveCell(nb, nb.cells[1].id, 'up');
    expect(moved.cells.map((c) => c.id).slice(0, 2)).toEqual([nb.cells[1].id, nb.cells[0].id]);
    expect(moveCell(nb, nb.cells[0].id, 'up')).toBe(nb);

    const updated = updateCell(nb, nb.cells[0].id, { source: 'hi' });
    expect(updated.cells[0].source).toBe('hi');
    expect(deleteCell(nb, nb.cells[0].id).cells).toHaveLength(nb.cells.length - 1);
  });
});

describe('sample notebooks', () => {
  it('every sample query runs', () => {
    for (const nb of SAMPLE_NOTEBOOKS) {
      for (const cell of nb.cells.filter((c) => c.type === 'query')) {
        expect(() => runQuery(cell.source), cell.source).not.toThrow();
      }
    }
  });
});

describe('markdown', () => {
  it('parses headings, lists and inline marks and keeps HTML as text', () => {
    const blocks = parseMarkdown('# Title\n\nSome **bold** and `code` <script>x</script>\n\n- one\n- *two*');
    expect(blocks.map((b) => b.kind)).toEqual(['heading', 'paragraph', 'list']);
    expect(blocks[1]).toMatchObject({ content: [{ kind: 'text', text: 'Some ' }, { kind: 'strong', text: 'bold' }, { kind: 'text', text: ' and ' }, { kind: 'code', text: 'code' }, { kind: 'text', text: ' <script>x</script>' }] });
    expect(blocks[2]).toMatchObject({ kind: 'list', items: [[{ kind: 'text', text: 'one' }], [{ kind: 'em', text: 'two' }]] });
  });
});

describe('store', () => {
  beforeEach(() => {
    const data = new Map<string, string>();
    globalThis.localStorage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
      removeItem: (k: string) => void data.delete(k),
      clear: () => data.clear(),
      key: () => null,
      get length() { return data.size; },
    } as Storage;
    resetNotebookCache();
  });

  it('seeds two sample notebooks on first load and persists changes', () => {
    expect(getNotebooks().map((n) => n.id)).toEqual(['regional-revenue', 'refund-watch']);
    const created = createNotebook();
    saveNotebook({ ...created, title: 'Renamed' });
    resetNotebookCache();
    expect(getNotebooks()).toHaveLength(3);
    expect(getNotebooks()[2].title).toBe('Renamed');
    expect(JSON.parse(localStorage.getItem(STORAGE_KEY)!)).toHaveLength(3);
  });
});
