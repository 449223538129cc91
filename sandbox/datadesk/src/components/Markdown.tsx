import { Fragment } from 'react';
import { parseMarkdown, type Inline } from '../notebooks/markdown';

/** Renders the Markdown subset as React elements. Text is escaped by React: never inject HTML here. */
export function Markdown({ source }: { source: string }) {
  const blocks = parseMarkdown(source);
  if (blocks.length === 0) return <p className="muted">Empty markdown cell. Use Edit to add text.</p>;
  return (
    <div className="markdown">
      {blocks.map((block, i) => {
        if (block.kind === 'heading') {
          const Tag = (['h2', 'h3', 'h4'] as const)[block.level - 1];
          return <Tag key={i}><Inlines items={block.content} /></Tag>;
        }
        if (block.kind === 'list') {
          return <ul key={i}>{block.items.map((item, j) => <li key={j}><Inlines items={item} /></li>)}</ul>;
        }
        return <p key={i}><Inlines items={block.content} /></p>;
      })}
    </div>
  );
}

function Inlines({ items }: { items: Inline[] }) {
  return (
    <>
      {items.map((item, i) => {
        switch (item.kind) {
          case 'strong': return <strong key={i}>{item.text}</strong>;
          case 'em': return <em key={i}>{item.text}</em>;
          case 'code': return <code key={i}>{item.text}</code>;
          default: return <Fragment key={i}>{item.text}</Fragment>;
        }
      })}
    </>
  );
}
