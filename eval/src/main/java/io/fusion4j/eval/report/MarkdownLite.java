package io.fusion4j.eval.report;

import java.util.ArrayList;
import java.util.List;

/** {@code **bold**} and {@code `code`} in otherwise plain text, as runs for the two writers. */
final class MarkdownLite {
    enum Kind { TEXT, BOLD, CODE }

    record Run(Kind kind, String text) {
    }

    private MarkdownLite() {
    }

    /** Splits {@code s} into runs; an unmatched marker stays text. Code wins over bold and is never parsed further. */
    static List<Run> parse(String s) {
        List<Run> runs = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        boolean bold = false;
        int i = 0;
        while (i < s.length()) {
            char ch = s.charAt(i);
            if (ch == '`') {
                int end = s.indexOf('`', i + 1);
                if (end > i + 1) {
                    flush(runs, text, bold);
                    runs.add(new Run(Kind.CODE, s.substring(i + 1, end)));
                    i = end + 1;
                    continue;
                }
            } else if (s.startsWith("**", i)) {
                if (bold || closes(s, i + 2)) {
                    flush(runs, text, bold);
                    bold = !bold;
                    i += 2;
                    continue;
                }
            }
            text.append(ch);
            i++;
        }
        flush(runs, text, bold);
        return runs;
    }

    /** Whether a {@code **} opening at {@code from} has a closing one outside code spans. */
    private static boolean closes(String s, int from) {
        int i = from;
        while (i < s.length()) {
            if (s.charAt(i) == '`') {
                int end = s.indexOf('`', i + 1);
                if (end > i + 1) {
                    i = end + 1;
                    continue;
                }
            }
            if (s.startsWith("**", i)) {
                return i > from;
            }
            i++;
        }
        return false;
    }

    private static void flush(List<Run> runs, StringBuilder text, boolean bold) {
        if (!text.isEmpty()) {
            runs.add(new Run(bold ? Kind.BOLD : Kind.TEXT, text.toString()));
            text.setLength(0);
        }
    }
}
