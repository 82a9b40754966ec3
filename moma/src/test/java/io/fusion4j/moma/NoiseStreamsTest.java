package io.fusion4j.moma;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterContext;
import io.fusion4j.api.router.RouterInput;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

/**
 * Gumbel-sigmoid noise: with zero router weights every score is sigmoid(noise), so the gates show the noise itself.
 * The text and image sub-routers of one layer, and two layers, must draw different noise; the same key draws the
 * same noise again; a pass without noise draws none.
 */
class NoiseStreamsTest {
    private static final int D = 4;
    private static final Routers ROUTERS = MomaFixtures.routers();

    /** Gates of each expert of a 2t2i noisy modality router at {@code layer} over a batch of 8 text + 8 image rows. */
    private static List<Map<Integer, Double>> gates(Backend be, int layer, ForwardPass.Noise noise) {
        Parameters params = new Parameters();
        RouterSpec noisy = RouterSpec.of("expert-choice", "noise", true);
        Router r = ROUTERS.create(RouterSpec.of("modality", "textRouter", noisy, "imageRouter", noisy),
                new RouterContext(params, "layers." + layer + ".ffn.router", D, 4, layer, 0.02f, ROUTERS));
        params.allocate(be, 1);
        be.fill(params.values(), 0f);
        byte[] mod = new byte[16];
        for (int t = 8; t < 16; t++) {
            mod[t] = 1;
        }
        MixedBatch b = MomaFixtures.batch(1, 16, mod, new int[]{16});
        StepArena arena = be.newArena();
        Graph g = new Graph(be, arena, false);
        TokenMeta tokens = TokenMeta.upload(be, arena, b, false);
        Tensor x = arena.allocate(DType.F32, Shape.of(16, D));
        be.fill(x, 0.5f);
        ForwardPass pass = new ForwardPass(g, tokens, io.fusion4j.api.autograd.LossSink.NONE, noise);
        return MomaFixtures.perExpert(be, r.route(new RouterInput(pass, g.constant(x), tokens)));
    }

    /** The gate values of one expert, by row within its group (text rows 0..7, image rows 8..15 → 0..7). */
    private static double[] byGroupRow(Map<Integer, Double> expert) {
        double[] v = new double[8];
        expert.forEach((row, gate) -> v[row % 8] = gate);
        return v;
    }

    @Test
    void subRoutersAndLayersDrawTheirOwnNoiseAndTheSameKeyDrawsItAgain() {
        try (Backend be = MomaFixtures.cpu()) {
            ForwardPass.Noise noise = new ForwardPass.Noise(12345L, 8L << 32);
            List<Map<Integer, Double>> a = gates(be, 0, noise);
            // Experts 0-1 are text, 2-3 image; the same (group row, expert) must not see the same noise.
            assertThat(a.get(0).keySet()).allMatch(row -> row < 8);
            assertThat(a.get(2).keySet()).allMatch(row -> row >= 8);
            assertThat(a.get(0).values()).noneMatch(v -> v == 0.5);
            assertThat(a.get(0).values()).isNotEqualTo(a.get(2).values());
            assertThat(a.get(0).keySet().stream().map(k -> k + 8).toList()).isNotEqualTo(List.copyOf(a.get(2).keySet()));
            List<Map<Integer, Double>> again = gates(be, 0, noise);
            assertThat(again).isEqualTo(a);
            List<Map<Integer, Double>> layer1 = gates(be, 1, noise);
            assertThat(layer1.get(0)).isNotEqualTo(a.get(0));
            // Without noise every score is sigmoid(0) = 0.5 and ties go to the lowest rows.
            List<Map<Integer, Double>> clean = gates(be, 0, null);
            assertThat(clean.get(0)).containsOnlyKeys(0, 1, 2, 3).allSatisfy((row, gate) -> assertThat(gate).isEqualTo(0.5));
            assertThat(byGroupRow(a.get(1))).isNotEqualTo(byGroupRow(a.get(3)));
        }
    }
}
