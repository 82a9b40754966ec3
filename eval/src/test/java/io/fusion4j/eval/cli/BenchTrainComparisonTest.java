package io.fusion4j.eval.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/** {@code bench train --config A,B --rounds N}: the configs in turn in one JVM, and their step-time ratios. */
class BenchTrainComparisonTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void runsTheConfigsInTurnAndPrintsEachRoundsRatioFromItsOwnFigures() {
        assertThat(run("bench", "train", "--config", "tiny,moma-1t1i", "--rounds", "2", "--threads", "1",
                "--warmup", "1", "--steps", "2")).as(err.toString()).isZero();
        String s = out.toString();
        assertThat(s).contains("# round 1 of 2", "# round 2 of 2");
        // Each run's line in order: tiny, moma-1t1i, tiny, moma-1t1i.
        Matcher line = Pattern.compile("\\ntrain (\\S+) .*?\\s([\\d.]+) tokens/s").matcher(s);
        List<String> names = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        while (line.find()) {
            names.add(line.group(1));
            rates.add(Double.parseDouble(line.group(2)));
        }
        assertThat(names).containsExactly("tiny", "moma-1t1i", "tiny", "moma-1t1i");
        Matcher summary = Pattern.compile("moma-1t1i step / tiny step, same JVM, configs in turn: median ([\\d.]+)x"
                + " \\(([\\d.]+)-([\\d.]+)\\) over 2 rounds; by round: ([\\d.]+) ([\\d.]+)").matcher(s);
        assertThat(summary.find()).as(s).isTrue();
        // The ratio of step times is the first config's rate over the other's, in the same round.
        double r1 = rates.get(0) / rates.get(1);
        double r2 = rates.get(2) / rates.get(3);
        assertThat(Double.parseDouble(summary.group(4))).isCloseTo(r1, offset(0.006 + 0.001 * r1));
        assertThat(Double.parseDouble(summary.group(5))).isCloseTo(r2, offset(0.006 + 0.001 * r2));
        assertThat(Double.parseDouble(summary.group(1))).isCloseTo((r1 + r2) / 2, offset(0.006 + 0.001 * r1));
    }

    @Test
    void aMisspeltConfigFailsBeforeAnyRoundAndKernelTimesTakeOneConfig() {
        assertThat(run("bench", "train", "--config", "tiny,moe-ec", "--rounds", "2", "--threads", "1")).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("fusion4j: bench train --config: expected one of dense, moe_ec,")
                .endsWith("found moe-ec");
        assertThat(out.toString()).doesNotContain("# round");
        err.getBuffer().setLength(0);
        assertThat(run("bench", "train", "--config", "tiny,moma-1t1i", "--kernel-times", "--threads", "1")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("fusion4j: --kernel-times: times one config at a time, found 2 in"
                + " --config tiny,moma-1t1i");
    }
}
