package io.fusion4j.eval.data.fetch;

import java.io.PrintWriter;
import java.util.function.LongSupplier;

/**
 * Progress of a long step: on a terminal one line redrawn in place with a bar; elsewhere (logs, CI, tests) a plain
 * line now and then, so a log does not fill with carriage returns.
 */
public final class Progress {
    private static final int BAR = 30;
    private static final long LINE_EVERY_NANOS = 2_000_000_000L;
    private static final long REDRAW_EVERY_NANOS = 100_000_000L;

    private final PrintWriter out;
    private final boolean terminal;
    private final LongSupplier clock;
    private long lastShown = Long.MIN_VALUE;
    private boolean drawn;

    /**
     * @param terminal whether {@code out} is a terminal (draw a bar in place)
     * @param clock    nanoseconds, as {@link System#nanoTime()}
     */
    public Progress(PrintWriter out, boolean terminal, LongSupplier clock) {
        this.out = out;
        this.terminal = terminal;
        this.clock = clock;
    }

    /** A reporter on {@code out} that draws a bar when the process has a terminal. */
    public static Progress on(PrintWriter out) {
        return new Progress(out, System.console() != null && System.console().isTerminal(), System::nanoTime);
    }

    /**
     * Reports {@code done} of {@code total} (total 0 or less: unknown) for {@code what}, with {@code detail} after
     * it; shown only if enough time has passed since the last report.
     */
    public void update(String what, long done, long total, String detail) {
        long now = clock.getAsLong();
        if (lastShown == Long.MIN_VALUE) {
            // The first report only starts the clock: a step done within the interval shows just its final line.
            lastShown = now;
            return;
        }
        if (now - lastShown < (terminal ? REDRAW_EVERY_NANOS : LINE_EVERY_NANOS)) {
            return;
        }
        lastShown = now;
        show(what, done, total, detail);
    }

    /** Ends the step with its final state, always shown, and a line of its own. */
    public void finish(String what, long done, long total, String detail) {
        show(what, done, total, detail);
        if (terminal) {
            out.println();
        }
        drawn = false;
        lastShown = Long.MIN_VALUE;
        out.flush();
    }

    /** A message on a line of its own (ending a bar drawn in place first). */
    public void say(String line) {
        if (drawn) {
            out.println();
            drawn = false;
        }
        out.println(line);
        out.flush();
    }

    private void show(String what, long done, long total, String detail) {
        String text = what + (total > 0 ? String.format(" %3d%%", Math.min(100, 100 * done / total)) : "")
                + (detail.isEmpty() ? "" : " " + detail);
        if (terminal) {
            StringBuilder bar = new StringBuilder("\r");
            if (total > 0) {
                int filled = (int) Math.min(BAR, BAR * done / total);
                bar.append('[').append("#".repeat(filled)).append(" ".repeat(BAR - filled)).append("] ");
            }
            // Trailing spaces wipe what a longer previous line left behind.
            out.print(bar.append(text).append("   "));
            drawn = true;
        } else {
            out.println(text);
        }
        out.flush();
    }

    /** {@code 4.9 MB}: bytes in decimal megabytes, as npm and most tools print sizes. */
    public static String megabytes(long bytes) {
        return String.format("%.1f MB", bytes / 1e6);
    }
}
