package io.fusion4j.eval.bench;

import io.fusion4j.api.backend.Backend;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The heap column of {@code --kernel-times} names the kernel that allocates, with what it allocates. */
class KernelTimesTest {
    /** Kept reachable so the JIT cannot drop the allocation. */
    private static final List<byte[]> KEPT = new ArrayList<>(16);

    @Test
    void aKernelThatAllocatesIsListedWithItsHeapAStep() {
        Backend fake = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class},
                (proxy, m, args) -> {
                    switch (m.getName()) {
                        case "fill" -> KEPT.add(new byte[256 * 1024]);
                        case "add" -> KEPT.clear(); // allocation-free
                        default -> throw new UnsupportedOperationException(m.getName());
                    }
                    return null;
                });
        KernelTimes timer = KernelTimes.around(fake);
        Backend b = timer.backend();
        // Before start, as a run's warm-up steps are: not counted, and reflection's first-call set-up is done.
        b.fill(null, 0f);
        b.add(null, null, null);
        timer.start();
        for (int step = 0; step < 4; step++) {
            b.fill(null, 0f);
            b.fill(null, 0f);
            b.add(null, null, null);
        }
        timer.stop();
        List<String> lines = new ArrayList<>();
        timer.print(lines::add, 4);
        String s = String.join("\n", lines);
        Matcher fill = Pattern.compile("\\n  fill\\s+[\\d.]+ ms/step\\s+[\\d.]+%\\s+2\\.0 calls/step\\s+heap\\s+([\\d.]+)"
                + " KB/step").matcher(s);
        assertThat(fill.find()).as(s).isTrue();
        // Two 256 KB arrays a step, plus an array header each; the proxy's own boxing is outside the measured span.
        assertThat(Double.parseDouble(fill.group(1))).as(s).isBetween(512.0, 514.0);
        Matcher total = Pattern.compile("heap in kernels ([\\d.]+) KB a step").matcher(s);
        assertThat(total.find()).as(s).isTrue();
        assertThat(Double.parseDouble(total.group(1))).as(s).isBetween(512.0, 515.0);
        // add is listed only because this fake's wall time is tiny; it allocates nothing.
        Matcher add = Pattern.compile("\\n  add\\s.*heap\\s+([\\d.]+) KB/step").matcher(s);
        if (add.find()) {
            assertThat(Double.parseDouble(add.group(1))).as(s).isLessThan(1.0);
        }
    }
}
