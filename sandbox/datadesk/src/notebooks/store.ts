/**
 * Notebook persistence: localStorage under one key, with an in-memory cache and a
 * tiny subscribe API so React components can use useSyncExternalStore.
 */
import { useSyncExternalStore } from 'react';
import { newId } from './cells';
import { SAMPLE_NOTEBOOKS } from './samples';
import type { Notebook } from './types';

export const STORAGE_KEY = 'datadesk.notebooks.v1';

let cache: Notebook[] | null = null;
const listeners = new Set<() => void>();

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

function load(): Notebook[] {
  const raw = storage()?.getItem(STORAGE_KEY);
  if (raw) {
    try {
      const parsed = JSON.parse(raw) as Notebook[];
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // Corrupt data: fall through and reseed rather than crash the page.
    }
  }
  const seeded = structuredClone(SAMPLE_NOTEBOOKS);
  persist(seeded);
  return seeded;
}

function persist(notebooks: Notebook[]): void {
  storage()?.setItem(STORAGE_KEY, JSON.stringify(notebooks));
}

export function getNotebooks(): Notebook[] {
  if (!cache) cache = load();
  return cache;
}

export function getNotebook(id: string): Notebook | undefined {
  return getNotebooks().find((nb) => nb.id === id);
}

function commit(next: Notebook[]): void {
  cache = next;
  persist(next);
  listeners.forEach((fn) => fn());
}

export function saveNotebook(notebook: Notebook): void {
  const all = getNotebooks();
  const exists = all.some((nb) => nb.id === notebook.id);
  commit(exists ? all.map((nb) => (nb.id === notebook.id ? notebook : nb)) : [...all, notebook]);
}

export function createNotebook(): Notebook {
  const count = getNotebooks().length + 1;
  const notebook: Notebook = {
    id: newId('nb'),
    title: `Untitled notebook ${count}`,
    updatedAt: new Date().toISOString(),
    cells: [{ id: newId('cell'), type: 'markdown', source: '# New notebook\n\nDescribe what this notebook is for.' }],
  };
  saveNotebook(notebook);
  return notebook;
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useNotebooks(): Notebook[] {
  return useSyncExternalStore(subscribe, getNotebooks, getNotebooks);
}

/** Test helper: forget the in-memory cache. */
export function resetNotebookCache(): void {
  cache = null;
}
