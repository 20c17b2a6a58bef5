package org.kernelir.passes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernelir.cache.CacheStats;

/**
 * The part of a {@link LoweringReport} that a cached lowered graph keeps (selections, failures, donated values),
 * as text: one line per item, fields separated by tabs, tabs, newlines and backslashes escaped.
 *
 * <pre>
 * select	rms_norm_1	rms_norm	cpu
 * fail	rotary_embedding	no implementation supports these arguments: ...
 * donate	clone_3
 * </pre>
 */
final class ReportNotes {

    private ReportNotes() {
    }

    static String encode(LoweringReport report) {
        StringBuilder sb = new StringBuilder(64 * (report.nodes().size() + 1));
        report.nodes().forEach((node, s) -> line(sb, "select", node, s.op(), s.provider()));
        report.failed().forEach(f -> line(sb, "fail", f.node(), f.reason()));
        report.donated().forEach(d -> line(sb, "donate", d));
        return sb.toString();
    }

    /**
     * The report of a run answered from the cache: the notes' items, one timing for the lookup, the cache's
     * counters during it.
     *
     * @throws IllegalArgumentException for notes this class did not write
     */
    static LoweringReport decode(String notes, CacheStats cacheDelta, double millis) {
        Map<String, LoweringReport.Selection> nodes = new LinkedHashMap<>();
        List<LoweringReport.Failure> failed = new ArrayList<>();
        List<String> donated = new ArrayList<>();
        int at = 0;
        while (at < notes.length()) {
            int eol = notes.indexOf('\n', at);
            if (eol < 0) {
                throw new IllegalArgumentException("unterminated line in lowering notes at " + at);
            }
            List<String> f = fields(notes, at, eol);
            at = eol + 1;
            switch (f.getFirst()) {
                case "select" -> {
                    check(f, 4);
                    nodes.put(f.get(1), new LoweringReport.Selection(f.get(2), f.get(3)));
                }
                case "fail" -> {
                    check(f, 3);
                    failed.add(new LoweringReport.Failure(f.get(1), f.get(2)));
                }
                case "donate" -> {
                    check(f, 2);
                    donated.add(f.get(1));
                }
                default -> throw new IllegalArgumentException("unknown line in lowering notes: " + f.getFirst());
            }
        }
        return new LoweringReport(nodes, failed, List.of(), donated,
                List.of(new LoweringReport.PassTiming(PassManager.CACHED_PASS_NAME, millis)), cacheDelta, millis);
    }

    private static void check(List<String> fields, int count) {
        if (fields.size() != count) {
            throw new IllegalArgumentException("a " + fields.getFirst() + " line of lowering notes has "
                    + fields.size() + " fields, not " + count);
        }
    }

    private static void line(StringBuilder sb, String kind, String... fields) {
        sb.append(kind);
        for (String f : fields) {
            sb.append('\t');
            for (int i = 0; i < f.length(); i++) {
                char c = f.charAt(i);
                switch (c) {
                    case '\\' -> sb.append("\\\\");
                    case '\t' -> sb.append("\\t");
                    case '\n' -> sb.append("\\n");
                    default -> sb.append(c);
                }
            }
        }
        sb.append('\n');
    }

    private static List<String> fields(String s, int from, int to) {
        List<String> out = new ArrayList<>(4);
        // Node and op names rarely hold a backslash: cut at the tabs, and unescape only the fields that need it.
        int at = from;
        while (true) {
            int tab = s.indexOf('\t', at);
            int end = tab < 0 || tab > to ? to : tab;
            String f = s.substring(at, end);
            if (f.indexOf('\\') >= 0) {
                if (end < to && endsInLoneBackslash(f)) {
                    throw new IllegalArgumentException("bad escape \\\t in lowering notes");
                }
                f = unescape(f);
            }
            out.add(f);
            if (end == to) {
                return out;
            }
            at = end + 1;
        }
    }

    /** Whether {@code f} ends in an odd run of backslashes: the last one escapes the tab that follows. */
    private static boolean endsInLoneBackslash(String f) {
        int run = 0;
        for (int i = f.length() - 1; i >= 0 && f.charAt(i) == '\\'; i--) {
            run++;
        }
        return run % 2 == 1;
    }

    private static String unescape(String f) {
        StringBuilder sb = new StringBuilder(f.length());
        for (int i = 0; i < f.length(); i++) {
            char c = f.charAt(i);
            if (c == '\\' && i + 1 < f.length()) {
                char e = f.charAt(++i);
                sb.append(switch (e) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case '\\' -> '\\';
                    default -> throw new IllegalArgumentException("bad escape \\" + e + " in lowering notes");
                });
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
