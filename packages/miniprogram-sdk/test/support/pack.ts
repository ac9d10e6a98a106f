import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';

export interface PackedTarball {
  /** Absolute path of the .tgz. */
  readonly file: string;
  /** Paths inside the package (package.json, dist/index.js, ...). */
  readonly files: readonly string[];
}

/**
 * `npm pack` of a package folder into `destination`. `ignoreScripts` skips prepack, for a package whose build
 * the test suite already ran (the workspace build replaces dist/ folders other tests' processes run from).
 */
export function npmPack(
  dir: string,
  destination: string,
  options: { ignoreScripts?: boolean } = {},
): PackedTarball {
  const out = execFileSync(
    'npm',
    [
      'pack',
      '--json',
      '--pack-destination',
      destination,
      `--ignore-scripts=${options.ignoreScripts === true}`,
    ],
    { cwd: realpathSync(dir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // a prepack's own output comes first on stdout; the JSON report starts at the first "["
  const [report] = JSON.parse(out.slice(out.search(/^\[/m))) as {
    filename: string;
    files: { path: string }[];
  }[];
  return {
    file: `${destination}/${report!.filename}`,
    files: report!.files.map((f) => f.path),
  };
}

/** Every file a package.json points at: main, types, the `miniprogram` folder's presence, each exports target. */
export function pointersOf(manifest: Record<string, unknown>): string[] {
  const targets: string[] = [];
  const visit = (value: unknown) => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') for (const v of Object.values(value)) visit(v);
  };
  visit(manifest.exports);
  for (const field of ['main', 'types', 'module', 'typings']) {
    if (typeof manifest[field] === 'string') targets.push(manifest[field] as string);
  }
  return targets.map((t) => t.replace(/^\.\//, ''));
}
