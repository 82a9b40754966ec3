package io.fusion4j.tensor.cpu;

import io.fusion4j.api.backend.PeakFlops;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The measured fp32 peak: the loop does the multiply-adds it counts, and the figure is a plausible one. */
class FmaPeakTest {
    @Test
    void eachChainIteratesTheMultiplyAddItCounts() {
        // The same recurrence in scalar float with the same fused rounding: every lane of every chain must match.
        float acc = 0f;
        for (int i = 0; i < 1000; i++) {
            acc = Math.fma(acc, 0.9999999f, 1e-7f);
        }
        double want = (double) acc * FmaPeak.CHAINS * MicroKernels.L;
        assertThat(FmaPeak.chains(1000)).isCloseTo(want, org.assertj.core.data.Offset.offset(want * 1e-6));
        assertThat(want).isGreaterThan(0);
        assertThat(FmaPeak.chains(0)).isZero();
    }

    @Test
    void theBackendMeasuresItsPeakOnceAndSaysSo() {
        try (CpuBackend b = new CpuBackend(2)) {
            PeakFlops p = b.fp32Peak().orElseThrow();
            assertThat(p.source()).startsWith("measured: fp32 FMA loop, 2 threads, ");
            // A vector FMA core does at least a few GFLOP/s, and no CPU core does 1,000 in fp32: a wrong FLOP count
            // (by a lane or chain factor) lands outside.
            assertThat(p.gigaflops()).isBetween(2.0, 2000.0);
            assertThat(b.fp32Peak().orElseThrow()).isSameAs(p);
        }
    }
}
