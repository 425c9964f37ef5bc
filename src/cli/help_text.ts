/**
 * The `--help` text, from the flag table.
 *
 * @module
 */

import { FLAGS, type FlagSpec } from "../config/flag_table.ts";

const SECTIONS: [FlagSpec["group"], string][] = [
  ["proxy", "Flags (kube-proxy's):"],
  ["extension", "Flags of kube-nft-proxy:"],
  ["explain", "explain:"],
  ["compat", "Accepted for compatibility with kube-proxy, without effect here:"],
];

/** The --help text. */
export function helpText(): string {
  const lines = [
    "kube-nft-proxy: a Kubernetes node service proxy (kube-proxy replacement), nftables only.",
    "",
    "Usage:",
    "  kube-proxy [flags]",
    "  kube-proxy explain --src IP --dst IP:PORT[/tcp|udp|sctp] [flags]",
    "",
    "With --config FILE, the flags marked * are ignored, as in kube-proxy (set them in the file).",
  ];
  for (const [group, title] of SECTIONS) {
    lines.push("", title);
    for (const [name, spec] of Object.entries(FLAGS)) {
      if (spec.group !== group) continue;
      const short = spec.short ? `-${spec.short}, ` : "";
      const left = `  ${short}--${name}${spec.value ? ` ${spec.value}` : ""}` +
        (spec.scope === "file" ? " *" : "");
      const help = spec.deprecated ? `${spec.help} Deprecated: ${spec.deprecated}.` : spec.help;
      lines.push(left.length >= 40 ? `${left}\n${" ".repeat(40)}${help}` : left.padEnd(40) + help);
    }
  }
  return lines.join("\n");
}
