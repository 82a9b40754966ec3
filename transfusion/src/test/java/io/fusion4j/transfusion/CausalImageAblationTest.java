package io.fusion4j.transfusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.generate.TokenSampler;
import io.fusion4j.api.router.Routers;
import io.fusion4j.transfusion.diffusion.Sampler;
import org.junit.jupiter.api.Test;

/**
 * The paper's mask ablation (Table 5): with causal attention inside images, a patch's noise prediction cannot depend
 * on later patches of its image, while with Transfusion's bidirectional attention it does; sampling the ablation
 * runs on the whole sequence, and text around its images is refused with the reason.
 */
class CausalImageAblationTest {
    private static final Vocabulary V = Vocabulary.of(10, 0);

    private static TransfusionConfig config(String attention) {
        TransfusionConfig c = TransfusionLayoutTest.tiny(V.size(), 4);
        return new TransfusionConfig(c.trunk(), 4, 8, 1000, 5, 500, attention);
    }

    @Test
    void underCausalAttentionAPatchIgnoresLaterPatchesAndUnderBidirectionalItDoesNot() {
        try (Backend be = Backends.discover().create("cpu", BackendOptions.withThreads(1))) {
            int[] prefix = {V.bos(), 3, V.boi()};
            float[] x = new float[16];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i);
            }
            float[] later = x.clone();
            later[15] += 1.5f; // the last patch changes
            for (String attention : new String[]{TransfusionConfig.CAUSAL, TransfusionConfig.BIDIRECTIONAL}) {
                TransfusionModel m = TransfusionModel.build(config(attention), Routers.discover());
                m.decoder().parameters().allocate(be, 3);
                TransfusionSampler s = new TransfusionSampler(m, be, V, 4);
                float[] a = s.uncachedNoise(prefix, x, 300);
                float[] b = s.uncachedNoise(prefix, later, 300);
                boolean firstPatchMoved = false;
                for (int i = 0; i < 4; i++) {
                    firstPatchMoved |= a[i] != b[i];
                }
                assertThat(firstPatchMoved).as(attention).isEqualTo(attention.equals(TransfusionConfig.BIDIRECTIONAL));
                if (attention.equals(TransfusionConfig.CAUSAL)) {
                    assertThat(s.image(prefix, Sampler.DDIM, 4, 2, new int[]{V.bos(), V.boi()}, 1, 1.0, k -> { }))
                            .containsExactly(s.uncachedImage(prefix, Sampler.DDIM, 4, 2, new int[]{V.bos(), V.boi()},
                                    1, 1.0));
                    assertThatThrownBy(() -> s.generate(new TransfusionSampler.Request(new int[0], new float[16], 5,
                            false, 0, Sampler.DDIM, 2, 1, 1.0, 1), new TokenSampler(0, 1, new java.util.SplittableRandom(1)),
                            ids -> "", null, () -> false, e -> { }))
                            .hasMessageContaining("causal attention inside images");
                }
            }
        }
        assertThatThrownBy(() -> config("sideways")).hasMessageContaining("'imageAttention' must be bidirectional or causal");
        assertThat(new TransfusionConfig(config(null).trunk(), 4, 8, 1000, 5, 500, null).bidirectionalImages()).isTrue();
    }
}
