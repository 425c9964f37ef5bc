/**
 * Builds the shipped program.
 * - `bundle`: dist/kube-proxy.js, one file that `deno run` executes, with the
 *   git commit stamped in (for `--version`). Its first line runs it with the
 *   CLI permission set of deploy/permissions.ts; the systemd unit and the
 *   DaemonSet run it with the daemon's scoped set instead.
 * - `compile [FLAGS...]`: bundle, then `deno compile` it for x86_64 and
 *   aarch64 Linux. A compiled binary keeps the permissions it was compiled
 *   with: the CLI set, or the Deno permission FLAGS given (e.g. the daemon's
 *   set for one site). `deno compile` needs the `denort` runtime of each
 *   target; where it cannot be downloaded, set `DENORT_BIN` to a local denort
 *   of the host's target (only that target is built then).
 *
 * @module
 */

import {
  CLI_PERMISSIONS,
  MAX_SHEBANG_LENGTH,
  shebangLine,
  V8_FLAGS,
} from "../deploy/permissions.ts";

export { V8_FLAGS };

const ROOT = new URL("../", import.meta.url).pathname;

/** Raised when the build cannot produce a correct artifact. */
export class BuildError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BuildError";
  }
}

async function sh(
  cmd: string,
  args: string[],
  env?: Record<string, string>,
): Promise<{ ok: boolean; out: string }> {
  const r = await new Deno.Command(cmd, { args, cwd: ROOT, stdout: "piped", stderr: "piped", env })
    .output();
  const out = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  return { ok: r.success, out };
}

async function gitCommit(): Promise<string> {
  const rev = await sh("git", ["rev-parse", "--short=12", "HEAD"]).catch(() => ({
    ok: false,
    out: "",
  }));
  if (!rev.ok) return "unknown";
  const dirty = await sh("git", ["status", "--porcelain", "--untracked-files=no"]);
  return rev.out.trim() + (dirty.ok && dirty.out.trim() !== "" ? "-dirty" : "");
}

async function bundle(): Promise<string> {
  await Deno.mkdir(`${ROOT}dist`, { recursive: true });
  const out = `${ROOT}dist/kube-proxy.js`;
  const r = await sh(Deno.execPath(), ["bundle", "--quiet", "--output", out, "main.ts"]);
  if (!r.ok) throw new BuildError(`deno bundle failed:\n${r.out}`);
  const commit = await gitCommit();
  const text = await Deno.readTextFile(out);
  const header = shebangLine();
  // Linux silently cuts a longer #! line, and with it the last permission flags.
  if (header.length > MAX_SHEBANG_LENGTH) {
    throw new BuildError(
      `the #! line is ${header.length} bytes; Linux reads only ${MAX_SHEBANG_LENGTH}: ${header}`,
    );
  }
  await Deno.writeTextFile(out, `${header}\n${text.replaceAll("__GIT_COMMIT__", commit)}`);
  await Deno.chmod(out, 0o755);
  console.log(`dist/kube-proxy.js (commit ${commit})`);
  return out;
}

async function compile(flags: string[]): Promise<number> {
  const bad = flags.find((f) => !/^--(allow|deny|ignore)-[a-z]+(=|$)|^--no-prompt$/.test(f));
  if (bad !== undefined) {
    console.error(`compile: ${JSON.stringify(bad)} is not a Deno permission flag`);
    return 2;
  }
  const permissions = flags.length > 0 ? flags : [...CLI_PERMISSIONS];
  const js = await bundle();
  const denort = Deno.env.get("DENORT_BIN");
  const targets = denort
    ? [Deno.build.target]
    : ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"];
  let failed = 0;
  for (const target of targets) {
    const suffix = target.startsWith("aarch64")
      ? "-arm64"
      : target.startsWith("x86_64")
      ? "-amd64"
      : "";
    const out = `${ROOT}dist/kube-proxy${suffix}`;
    const r = await sh(Deno.execPath(), [
      "compile",
      "--no-check",
      ...permissions,
      ...V8_FLAGS,
      "--target",
      target,
      "--output",
      out,
      js,
    ]);
    if (r.ok) {
      console.log(`dist/kube-proxy${suffix} (${target})`);
      if (target === Deno.build.target) await Deno.copyFile(out, `${ROOT}dist/kube-proxy`);
    } else {
      failed++;
      console.error(`deno compile for ${target} failed:\n${r.out.trim()}`);
      console.error(
        "If the denort runtime cannot be downloaded here, set DENORT_BIN to a local denort binary;" +
          " dist/kube-proxy.js runs anywhere with `deno run` meanwhile.",
      );
    }
  }
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) {
  const what = Deno.args[0] ?? "bundle";
  if (what === "bundle") await bundle();
  else if (what === "compile") Deno.exit(await compile(Deno.args.slice(1)));
  else {
    console.error("usage: build.ts bundle | compile [DENO PERMISSION FLAGS...]");
    Deno.exit(2);
  }
}
