package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Two half-batches with gradient weight 1/2 accumulate the gradients of the whole batch. */
class MicroBatchTest {
    @Test
    void accumulatedMicroBatchGradientsEqualTheFullBatch() {
        DecoderConfig cfg = new DecoderConfig(17, 16, 2, 2, 24, 10000f, 1e-5f, NormPlacement.PRE, false, 0f, 0.2f);
        int b = 4;
        int t = 6;
        SplittableRandom r = new SplittableRandom(3);
        int[] ids = r.ints(b * t, 0, cfg.vocab()).toArray();
        int[] tg = r.ints(b * t, 0, cfg.vocab()).toArray();
        try (Backend be = new CpuBackendProvider().create(BackendOptions.withThreads(1));
             StepArena arena = be.newArena()) {
            Decoder dec = new Decoder(cfg);
            dec.parameters().allocate(be, 5);
            float[] full = grads(be, arena, dec, ids, tg, b, t, 1);
            float[] halves = grads(be, arena, dec, ids, tg, b, t, 2);
            double scale = Arrays.stream(toDouble(full)).map(Math::abs).max().orElse(1);
            for (int i = 0; i < full.length; i++) {
                assertThat((double) halves[i]).as("gradient %d", i)
                        .isCloseTo(full[i], org.assertj.core.data.Offset.offset(1e-6 * scale + 1e-8));
            }
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static float[] grads(Backend be, StepArena arena, Decoder dec, int[] ids, int[] tg, int b, int t, int micro) {
        int mb = b / micro;
        be.fill(dec.parameters().grads(), 0f);
        int[] pos = new int[mb * t];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i % t;
        }
        for (int k = 0; k < micro; k++) {
            Tensor tid = be.allocate(DType.I32, Shape.of(mb, t));
            Tensor ttg = be.allocate(DType.I32, Shape.of(mb, t));
            Tensor tpos = be.allocate(DType.I32, Shape.of(mb, t));
            be.copyFromHost(Arrays.copyOfRange(ids, k * mb * t, (k + 1) * mb * t), tid);
            be.copyFromHost(Arrays.copyOfRange(tg, k * mb * t, (k + 1) * mb * t), ttg);
            be.copyFromHost(pos, tpos);
            Graph g = new Graph(be, arena, true);
            dec.loss(g, tid, tpos, AttentionMask.causal(mb, t), ttg, 1f / micro);
            g.backward();
            arena.release();
        }
        float[] out = new float[(int) dec.parameters().count()];
        be.copyToHost(dec.parameters().grads(), out);
        return out;
    }
}
