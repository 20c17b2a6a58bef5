package org.kernelir.cache;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * What a cache holds for one {@link ReplacementKey}, looked at without tracing or counting: a hit (and in which
 * tier), or a miss and why. {@code kir explain} shows it per node.
 *
 * @param status      hit, miss, or why the question has no answer
 * @param reason      for a miss, why: no entry at all, or how the nearest entry for the same op and provider
 *                    differs; empty for a hit
 * @param argsDiffer  for a miss by arguments, the positions (from 0) of the arguments that differ
 */
public record CacheProbe(Status status, String reason, List<Integer> argsDiffer) {

    /** The outcome of a probe. */
    public enum Status {
        /** The memory tier holds the entry. */
        MEMORY_HIT,
        /** The disk tier holds the entry. */
        DISK_HIT,
        /** No tier holds it; {@link #reason()} says why. */
        MISS,
        /** The cache is off: every lookup traces. */
        OFF,
        /** This cache cannot be probed. */
        UNKNOWN
    }

    public CacheProbe {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reason, "reason");
        argsDiffer = List.copyOf(argsDiffer);
    }

    /** A hit in the given tier. */
    public static CacheProbe hit(Status tier) {
        return new CacheProbe(tier, "", List.of());
    }

    /** Whether the entry is there. */
    public boolean isHit() {
        return status == Status.MEMORY_HIT || status == Status.DISK_HIT;
    }

    /**
     * Why {@code wanted} misses, given the key texts of the entries a cache holds (of every op and provider): no
     * entry for its op and provider, or the difference between it and the nearest such entry: the kernel-ir code
     * (the pipeline's identity), the graph format, the overload, the provider's version, source or fingerprint,
     * or arguments (which).
     *
     * @param wanted the key looked up
     * @param stored the texts ({@link ReplacementKey#text()}) of the entries there are
     * @return a {@link Status#MISS} probe
     */
    public static CacheProbe miss(ReplacementKey wanted, Collection<String> stored) {
        KeyText want = KeyText.parse(wanted.text());
        String opName = wanted.op() + ".";
        CacheProbe best = null;
        int bestScore = Integer.MAX_VALUE;
        for (String text : stored) {
            KeyText k = KeyText.parse(text);
            if (k == null || !k.op.startsWith(opName) || !k.providerName().equals(wanted.provider().name())) {
                continue;
            }
            CacheProbe p = compare(want, k);
            int score = p.argsDiffer().size() + (p.reason().contains("argument") ? 0 : 10);
            if (score < bestScore) {
                best = p;
                bestScore = score;
            }
        }
        return best != null ? best : new CacheProbe(Status.MISS, "no entry for op " + wanted.op() + " by provider "
                + wanted.provider().name() + " (traced on first use)", List.of());
    }

    private static CacheProbe compare(KeyText want, KeyText have) {
        List<String> why = new ArrayList<>();
        List<Integer> args = new ArrayList<>();
        if (!want.code.equals(have.code)) {
            why.add("the pipeline's identity differs (kernel-ir code " + shortHash(have.code) + " made the entry, this "
                    + "is " + shortHash(want.code) + ")");
        }
        if (!want.format.equals(have.format)) {
            why.add("the graph format differs (entry " + have.format + ", now " + want.format + ")");
        }
        if (!want.op.equals(have.op)) {
            why.add("the overload differs (entry " + have.op + ", now " + want.op + ")");
        }
        String[] pw = want.provider.split("\\|", -1);
        String[] ph = have.provider.split("\\|", -1);
        if (pw.length == 5 && ph.length == 5) {
            if (!pw[1].equals(ph[1]) || !pw[2].equals(ph[2])) {
                why.add("the provider comes from elsewhere (entry " + ph[1].toLowerCase() + " " + ph[2] + ", now "
                        + pw[1].toLowerCase() + " " + pw[2] + ")");
            }
            if (!pw[3].equals(ph[3])) {
                why.add("the provider's version differs (entry " + ph[3] + ", now " + pw[3] + ")");
            }
            if (!pw[4].equals(ph[4])) {
                why.add("the provider's fingerprint differs (entry sha256:" + shortHash(ph[4]) + ", now sha256:"
                        + shortHash(pw[4]) + ")");
            }
        } else if (!want.provider.equals(have.provider)) {
            why.add("the provider's identity differs");
        }
        List<String> aw = splitArgs(want.args);
        List<String> ah = splitArgs(have.args);
        if (aw.size() != ah.size()) {
            why.add("the argument count differs (entry " + ah.size() + ", now " + aw.size() + ")");
        } else {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < aw.size(); i++) {
                if (!aw.get(i).equals(ah.get(i))) {
                    args.add(i);
                    parts.add("argument " + i + " (entry " + ah.get(i) + ", now " + aw.get(i) + ")");
                }
            }
            if (!parts.isEmpty()) {
                why.add("an entry for the same op and provider differs in " + String.join(", ", parts));
            }
        }
        if (why.isEmpty()) {
            why.add("an entry with this exact key exists but could not be read (it is discarded and traced again)");
        }
        return new CacheProbe(Status.MISS, String.join("; ", why), args);
    }

    private static String shortHash(String h) {
        return h.substring(0, Math.min(12, h.length()));
    }

    /** The arguments of a signature text: split at the semicolons outside brackets and parentheses. */
    static List<String> splitArgs(String signature) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < signature.length(); i++) {
            char c = signature.charAt(i);
            if (c == '[' || c == '(') {
                depth++;
            } else if (c == ']' || c == ')') {
                depth--;
            } else if (c == ';' && depth == 0) {
                out.add(signature.substring(start, i));
                start = i + 1;
            }
        }
        if (!signature.isEmpty()) {
            out.add(signature.substring(start));
        }
        return out;
    }

    /** The lines of a replacement key's text. */
    private record KeyText(String format, String code, String op, String provider, String args) {
        static KeyText parse(String text) {
            String[] lines = text.split("\n");
            if (lines.length < 6 || !lines[0].equals("kernel-ir replacement")) {
                return null;
            }
            return new KeyText(after(lines[1], "format "), after(lines[2], "code "), after(lines[3], "op "),
                    after(lines[4], "provider "), after(lines[5], "args "));
        }

        String providerName() {
            int bar = provider.indexOf('|');
            return bar < 0 ? provider : provider.substring(0, bar);
        }

        private static String after(String line, String prefix) {
            return line.startsWith(prefix) ? line.substring(prefix.length()) : line;
        }
    }
}
