package io.fusion4j.eval.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TrainComparisonTest {
    @Test
    void summaryMediansTheRoundsRatios() {
        List<List<Measurement>> figures = List.of(
                List.of(rate(1000), rate(900), rate(1100)),
                List.of(rate(800), rate(900), rate(500)));
        List<String> lines = TrainComparison.summary(List.of("dense", "moe_ec"), figures);
        // 1000/800 = 1.25, 900/900 = 1.00, 1100/500 = 2.20: median 1.25.
        assertThat(lines).containsExactly("moe_ec step / dense step, same JVM, configs in turn: median 1.25x"
                + " (1.00-2.20) over 3 rounds; by round: 1.25 1.00 2.20");
    }

    private static Measurement rate(double tokensPerSecond) {
        return new Measurement(tokensPerSecond, tokensPerSecond, tokensPerSecond, "tokens/s", 0);
    }
}
