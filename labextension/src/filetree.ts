/**
 * A flat file listing (paths with slashes) as tree rows: folders first, then
 * files, each level sorted by name.
 */
import { IFileEntry } from './apitypes';

export interface ITreeRow {
  depth: number;
  name: string;
  /** Full relative path (a folder's path has no trailing slash). */
  path: string;
  folder: boolean;
  size: number;
}

interface INode {
  name: string;
  path: string;
  children: Map<string, INode>;
  file: IFileEntry | null;
}

export function fileTree(files: IFileEntry[]): ITreeRow[] {
  const root: INode = { name: '', path: '', children: new Map(), file: null };
  for (const file of files) {
    const parts = file.path.split('/').filter(Boolean);
    let node = root;
    parts.forEach((part, i) => {
      const path = parts.slice(0, i + 1).join('/');
      let child = node.children.get(part);
      if (!child) {
        child = { name: part, path, children: new Map(), file: null };
        node.children.set(part, child);
      }
      if (i === parts.length - 1) {
        child.file = file;
      }
      node = child;
    });
  }
  const rows: ITreeRow[] = [];
  const walk = (node: INode, depth: number): number => {
    let total = 0;
    const children = Array.from(node.children.values()).sort((a, b) => {
      const aFolder = a.file === null;
      const bFolder = b.file === null;
      return aFolder !== bFolder ? (aFolder ? -1 : 1) : a.name.localeCompare(b.name);
    });
    for (const child of children) {
      if (child.file) {
        rows.push({ depth, name: child.name, path: child.path, folder: false, size: child.file.size });
        total += child.file.size;
      } else {
        const row: ITreeRow = { depth, name: child.name, path: child.path, folder: true, size: 0 };
        rows.push(row);
        row.size = walk(child, depth + 1);
        total += row.size;
      }
    }
    return total;
  };
  walk(root, 0);
  return rows;
}
