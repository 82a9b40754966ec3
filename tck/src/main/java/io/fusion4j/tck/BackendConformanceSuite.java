package io.fusion4j.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

/**
 * The whole conformance suite. A backend is conformant when a test class in its module extends this
 * class, returns its provider name from {@link #providerName()}, and every test passes:
 *
 * <pre>{@code
 * class CudaConformanceTest extends BackendConformanceSuite {
 *     protected String providerName() { return "cuda"; }
 * }
 * }</pre>
 *
 * The groups of checks live in the superclasses (memory, GEMM, element-wise, norms, attention, losses,
 * indexing, optimizer and random numbers, FLOP counts); this class adds determinism.
 */
public abstract class BackendConformanceSuite extends AutogradConformance {

    @Test
    void sameInputsGiveTheSameBits() {
        SplittableRandom r = rng("determinism");
        int m = 150, k = 200, n = 130;
        Tensor a = tensor(uniform(r, m * k, -1, 1), m, k);
        Tensor b = tensor(uniform(r, k * n, -1, 1), k, n);
        Tensor c1 = zeros(m, n);
        Tensor c2 = zeros(m, n);
        backend.gemm(a, b, c1, 1f, 0f);
        backend.gemm(a, b, c2, 1f, 0f);
        assertThat(read(c2)).containsExactly(read(c1));

        int bs = 2, t = 96, h = 2, d = 32;
        AttentionMask mask = AttentionMask.causal(bs, t);
        float[] q = uniform(r, bs * t * h * d, -1, 1);
        float[] go = uniform(r, bs * t * h * d, -1, 1);
        Tensor tq = tensor(q, bs, t, h, d);
        Tensor tg = tensor(go, bs, t, h, d);
        float[][] results = new float[2][];
        for (int run = 0; run < 2; run++) {
            Tensor out = zeros(bs, t, h, d);
            Tensor lse = zeros(bs, h, t);
            Tensor dq = zeros(bs, t, h, d);
            backend.attention(tq, tq, tq, mask, 0.2f, out, lse);
            backend.attentionBackward(tq, tq, tq, out, lse, tg, mask, 0.2f, dq, zeros(bs, t, h, d), zeros(bs, t, h, d));
            results[run] = read(dq);
        }
        assertThat(results[1]).containsExactly(results[0]);

        Tensor u1 = zeros(777);
        Tensor u2 = zeros(777);
        backend.randomNormal(u1, 9L, 3L);
        backend.randomNormal(u2, 9L, 3L);
        assertThat(read(u2)).containsExactly(read(u1));
    }
}
