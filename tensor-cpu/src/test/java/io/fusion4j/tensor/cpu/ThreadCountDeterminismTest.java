package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

/** Work is split so that every output element is computed the same way whatever the thread count. */
class ThreadCountDeterminismTest {

    private static float[] run(int threads, float[] a, float[] b, float[] q) {
        try (Backend be = new CpuBackendProvider().create(io.fusion4j.api.backend.BackendOptions.withThreads(threads))) {
            Tensor ta = be.allocate(DType.F32, Shape.of(300, 257));
            Tensor tb = be.allocate(DType.F32, Shape.of(257, 190));
            Tensor tc = be.allocate(DType.F32, Shape.of(300, 190));
            be.copyFromHost(a, ta);
            be.copyFromHost(b, tb);
            be.gemm(ta, tb, tc, 1f, 0f);
            Tensor tq = be.allocate(DType.F32, Shape.of(2, 100, 3, 16));
            be.copyFromHost(q, tq);
            Tensor out = be.allocate(DType.F32, Shape.of(2, 100, 3, 16));
            Tensor lse = be.allocate(DType.F32, Shape.of(2, 3, 100));
            be.attention(tq, tq, tq, AttentionMask.causal(2, 100), 0.25f, out, lse);
            float[] r = new float[300 * 190 + 2 * 100 * 3 * 16];
            float[] c = new float[300 * 190];
            be.copyToHost(tc, c);
            float[] o = new float[2 * 100 * 3 * 16];
            be.copyToHost(out, o);
            System.arraycopy(c, 0, r, 0, c.length);
            System.arraycopy(o, 0, r, c.length, o.length);
            return r;
        }
    }

    @Test
    void oneTwoAndThreeThreadsGiveIdenticalBits() {
        SplittableRandom r = new SplittableRandom(7);
        float[] a = new float[300 * 257];
        float[] b = new float[257 * 190];
        float[] q = new float[2 * 100 * 3 * 16];
        for (float[] x : new float[][]{a, b, q}) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextDouble(-1, 1);
            }
        }
        float[] one = run(1, a, b, q);
        assertThat(run(2, a, b, q)).containsExactly(one);
        assertThat(run(3, a, b, q)).containsExactly(one);
    }
}
