package io.fusion4j.eval.data.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;

class ProgressTest {
    private final StringWriter text = new StringWriter();
    private final AtomicLong nanos = new AtomicLong();

    @Test
    void offATerminalItPrintsALineEveryFewSecondsAndTheEnd() {
        Progress p = new Progress(new PrintWriter(text, true), false, nanos::get);
        p.update("unpacking a.tgz", 1, 10, "1 entries");
        nanos.addAndGet(1_000_000_000L);
        p.update("unpacking a.tgz", 2, 10, "2 entries");
        nanos.addAndGet(1_500_000_000L);
        p.update("unpacking a.tgz", 5, 10, "5 entries");
        p.finish("unpacking a.tgz", 10, 10, "10 entries");

        String nl = System.lineSeparator();
        assertThat(text.toString()).isEqualTo("unpacking a.tgz  50% 5 entries" + nl + "unpacking a.tgz 100% 10 entries" + nl);
    }

    @Test
    void onATerminalItRedrawsOneLineWithABar() {
        Progress p = new Progress(new PrintWriter(text, true), true, nanos::get);
        p.update("checking a.tgz", 0, 4, "");
        nanos.addAndGet(200_000_000L);
        p.update("checking a.tgz", 1, 4, "1.0 MB");
        p.finish("checking a.tgz", 4, 4, "4.0 MB");

        assertThat(text.toString()).isEqualTo("\r[#######                       ] checking a.tgz  25% 1.0 MB   "
                + "\r[##############################] checking a.tgz 100% 4.0 MB   " + System.lineSeparator());
    }
}
