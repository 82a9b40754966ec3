package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.nn.SwiGluFeedForward;
import io.fusion4j.api.nn.TransformerBlock;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

/**
 * Finite-difference check of a whole transformer block's input gradient, in both norm placements, with
 * a mask that has an image span and a padded tail. The loss is {@code sum(w ⊙ block(x))} for fixed random
 * w; its gradient wrt x is compared with central differences of the same f32 forward in double steps.
 */
class BlockGradientTest {
    @ParameterizedTest
    @EnumSource(NormPlacement.class)
    void blockInputGradientMatchesFiniteDifferences(NormPlacement norm) {
        int b = 2;
        int t = 9;
        DecoderConfig c = new DecoderConfig(5, 16, 1, 2, 24, 10000f, 1e-5f, norm, true, 0f, 0.2f);
        AttentionMask mask = AttentionMask.builder(b, t).bidirectionalSpan(0, 2, 6).validLength(1, 7).build();
        SplittableRandom r = new SplittableRandom(norm.ordinal());
        float[] x = new float[b * t * c.dim()];
        float[] w = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
            w[i] = (float) r.nextDouble(-1, 1);
        }
        int[] pos = new int[b * t];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i % t;
        }
        try (Backend be = new CpuBackendProvider().create(BackendOptions.withThreads(1));
             StepArena arena = be.newArena()) {
            Parameters params = new Parameters();
            TransformerBlock block = new TransformerBlock(params, "layers.0", c,
                    new SwiGluFeedForward(params, "layers.0.ffn", c.dim(), c.ffnHidden(), c.initStd()));
            params.allocate(be, 1);
            Tensor positions = be.allocate(DType.I32, Shape.of(b, t));
            be.copyFromHost(pos, positions);
            Tensor tw = be.allocate(DType.F32, Shape.of((long) b * t, c.dim()));
            be.copyFromHost(w, tw);

            Tensor tx = be.allocate(DType.F32, Shape.of((long) b * t, c.dim()));
            be.copyFromHost(x, tx);
            Graph g = new Graph(be, arena, true);
            Var in = g.variable(tx);
            Var out = block.forward(ForwardPass.of(g, TokenMeta.text(be.allocate(DType.I32, Shape.of(b, t)), positions, mask)), in);
            // loss = sum(w * out), so the gradient flowing into out is w itself: seed it directly.
            Var weighted = g.reshape(out, Shape.of((long) b * t * c.dim()));
            double loss = 0;
            float[] o = new float[x.length];
            be.copyToHost(out.value(), o);
            for (int i = 0; i < o.length; i++) {
                loss += (double) w[i] * o[i];
            }
            assertThat(loss).isFinite();
            Tensor seed = be.allocate(DType.F32, Shape.of((long) b * t * c.dim()));
            be.copyFromHost(w, seed);
            g.seed(weighted, seed);
            g.backward();
            float[] dx = new float[x.length];
            be.copyToHost(in.grad(), dx);

            for (int k : r.ints(0, x.length).distinct().limit(40).toArray()) {
                double h = 1e-2;
                double up = forwardLoss(be, block, x, k, h, w, positions, mask, b, t, c);
                double down = forwardLoss(be, block, x, k, -h, w, positions, mask, b, t, c);
                double fd = (up - down) / (2 * h);
                assertThat((double) dx[k]).as("d loss / d x[%d] (%s)", k, norm)
                        .isCloseTo(fd, org.assertj.core.data.Offset.offset(2e-3 + 1e-2 * Math.abs(fd)));
            }
        }
    }

    private static double forwardLoss(Backend be, TransformerBlock block, float[] x, int k, double h, float[] w,
                                      Tensor positions, AttentionMask mask, int b, int t, DecoderConfig c) {
        float[] xs = x.clone();
        xs[k] += (float) h;
        try (StepArena arena = be.newArena()) {
            Tensor tx = be.allocate(DType.F32, Shape.of((long) b * t, c.dim()));
            be.copyFromHost(xs, tx);
            Graph g = new Graph(be, arena, false);
            Var out = block.forward(ForwardPass.of(g, TokenMeta.text(be.allocate(DType.I32, Shape.of(b, t)), positions, mask)),
                    g.constant(tx));
            float[] o = new float[x.length];
            be.copyToHost(out.value(), o);
            double s = 0;
            for (int i = 0; i < o.length; i++) {
                s += (double) w[i] * o[i];
            }
            return s;
        }
    }
}
