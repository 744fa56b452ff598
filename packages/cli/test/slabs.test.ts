import { describe, expect, it } from 'vitest';
import { mergeSlabs } from '../src/stats/monitor';
import { columnsFor, groupByClass, renderSlabTable } from '../src/stats/slabs';

const SLABS = {
  '1:chunk_size': '96',
  '1:used_chunks': '5',
  '1:total_chunks': '10922',
  '12:chunk_size': '1184',
  '12:used_chunks': '1',
  active_slabs: '2',
  total_malloced: '2097152',
};
const ITEMS = {
  'items:1:number': '5',
  'items:1:evicted': '0',
  'items:12:number': '1',
  'items:12:evicted': '3',
};

describe('slab grouping', () => {
  it('groups stats slabs lines by class id, in numeric order, with globals apart', () => {
    const g = groupByClass(SLABS, 'slabs');
    expect(g.classes.map((c) => c.id)).toEqual([1, 12]);
    expect(g.classes[0]!.stats).toEqual({ chunk_size: '96', used_chunks: '5', total_chunks: '10922' });
    expect(g.globals).toEqual({ active_slabs: '2', total_malloced: '2097152' });
  });

  it('groups stats items lines by class id', () => {
    const g = groupByClass(ITEMS, 'items');
    expect(g.classes).toEqual([
      { id: 1, stats: { number: '5', evicted: '0' } },
      { id: 12, stats: { number: '1', evicted: '3' } },
    ]);
    expect(g.globals).toEqual({});
  });

  it('shows preferred columns in order, or every column of an unknown server', () => {
    expect(columnsFor(groupByClass(SLABS, 'slabs'), 'slabs')).toEqual([
      'chunk_size',
      'total_chunks',
      'used_chunks',
    ]);
    expect(columnsFor(groupByClass({ '3:zeta': '1', '3:alpha': '2' }, 'slabs'), 'slabs')).toEqual([
      'alpha',
      'zeta',
    ]);
  });

  it('merges slabs and items rows per class for the dashboard', () => {
    const merged = mergeSlabs({ server: 'a', stats: SLABS }, { server: 'a', stats: ITEMS });
    expect(merged.groups!.classes[1]).toEqual({
      id: 12,
      stats: { chunk_size: '1184', used_chunks: '1', number: '1', evicted: '3' },
    });
    expect(mergeSlabs({ server: 'a', error: 'refused' }, { server: 'a', error: 'refused' })).toEqual({
      server: 'a',
      error: 'refused',
    });
  });

  it('renders a table with formatted sizes, and says when a server is down', () => {
    const text = renderSlabTable({ server: 'a:1', stats: SLABS }, 'slabs');
    expect(text).toContain('a:1 (stats slabs)');
    expect(text).toMatch(/│\s+12 │\s+1\.2 KiB │/);
    expect(text).toContain('total_malloced: 2,097,152');
    expect(renderSlabTable({ server: 'b:2', error: 'connect ECONNREFUSED' }, 'items')).toBe(
      'b:2 (stats items)\nDOWN: connect ECONNREFUSED',
    );
  });
});
