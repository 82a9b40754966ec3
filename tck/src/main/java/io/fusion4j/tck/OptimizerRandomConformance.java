package io.fusion4j.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.AdamWStep;
import io.fusion4j.api.random.Philox;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

/** Fused AdamW against f64 over several steps; Philox streams identical to the reference mapping. */
public abstract class OptimizerRandomConformance extends IndexConformance {

    @Test
    void adamwMatchesF64OverSeveralSteps() {
        SplittableRandom r = rng("adamw");
        int n = 1037;
        float[] p = uniform(r, n, -1, 1);
        double[] pd = Reference.d(p);
        double[] md = new double[n];
        double[] vd = new double[n];
        Tensor tp = tensor(p, n);
        Tensor tm = zeros(n);
        Tensor tv = zeros(n);
        for (int step = 1; step <= 5; step++) {
            float[] g = uniform(r, n, -0.1, 0.1);
            float gradScale = step == 3 ? 0.5f : 1f;
            backend.adamw(tp, tensor(g, n), tm, tv, new AdamWStep(1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, step, gradScale));
            Reference.adamw(pd, Reference.d(g), md, vd, 1e-2, 0.9, 0.95, 1e-8, 0.1, step, gradScale);
        }
        assertClose("adamw params", read(tp), pd, 2e-6, 1e-5);
        assertClose("adamw m", read(tm), md, 1e-7, 1e-5);
        assertClose("adamw v", read(tv), vd, 1e-9, 1e-4);
    }

    @Test
    void uniformDrawsAreBitIdenticalToThePhiloxMapping() {
        int n = 1003;
        long seed = 0x1234_5678_9abc_def0L;
        long offset = 4_000_000_007L; // crosses the 32-bit counter word
        Tensor t = zeros(n);
        backend.randomUniform(t, seed, offset);
        float[] got = read(t);
        for (int e = 0; e < n; e++) {
            assertThat(got[e]).as("element " + e).isEqualTo(Philox.uniform(seed, offset + e));
            assertThat(got[e]).isBetween(0f, 0.99999995f);
        }
        // A draw split in two at an offset gives the same stream.
        Tensor a = zeros(500);
        Tensor b = zeros(n - 500);
        backend.randomUniform(a, seed, offset);
        backend.randomUniform(b, seed, offset + 500);
        assertThat(read(a)[499]).isEqualTo(got[499]);
        assertThat(read(b)[0]).isEqualTo(got[500]);
    }

    @Test
    void normalDrawsFollowTheMappingAndTheDistribution() {
        int n = 200_001;
        Tensor t = zeros(n);
        backend.randomNormal(t, 42L, 7L);
        float[] got = read(t);
        for (int e = 0; e < 1000; e++) {
            assertThat(got[e]).as("element " + e).isCloseTo(Philox.normal(42L, 7L + e), org.assertj.core.data.Offset.offset(1e-6f));
        }
        double mean = 0;
        double sq = 0;
        for (float v : got) {
            mean += v;
            sq += (double) v * v;
        }
        mean /= n;
        double var = sq / n - mean * mean;
        // Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032; allow 5 sigma.
        assertThat(mean).isBetween(-0.011, 0.011);
        assertThat(var).isBetween(0.984, 1.016);
    }
}
