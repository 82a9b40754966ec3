package io.fusion4j.moma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.io.LoadReport;
import io.fusion4j.api.io.SafetensorsWriter;
import io.fusion4j.api.io.Strictness;
import io.fusion4j.api.io.WeightLoader;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** Sparse upcycling: every expert starts as the seed FFN it grows from; routers are fresh; the rest is copied. */
class UpcyclingTest extends CpuBackendTest {
    private static final DecoderConfig BASE = new DecoderConfig(40, 16, 2, 2, 24, 10000f, 1e-5f,
            NormPlacement.CHAMELEON, true, 1e-5f, 0.1f);
    private static final Routers ROUTERS = Routers.discover();

    private static float[] host(Parameters p, String name) {
        Parameters.Parameter x = p.get(name);
        float[] h = new float[(int) x.shape().numel()];
        be.copyToHost(x.value(), h);
        return h;
    }

    /** Saves {@code seed}'s parameters, allocated from {@code initSeed}, as a weights file. */
    private static Parameters saveSeed(MomaConfig seed, long initSeed, Path file) throws Exception {
        Parameters p = MomaModel.build(seed, ROUTERS).parameters();
        p.allocate(be, initSeed);
        SafetensorsWriter w = new SafetensorsWriter();
        for (Parameters.Parameter x : p.all().values()) {
            w.addF32(x.name(), x.shape(), host(p, x.name()));
        }
        w.write(file);
        return p;
    }

    @Test
    void a1t1iSeedGrowsEachModalitysExpertsFromItsOwnFfn(@TempDir Path dir) throws Exception {
        MomaConfig seed = new MomaConfig(BASE, 2, RouterSpec.of("modality", "text", 1), null);
        Parameters s = saveSeed(seed, 11, dir.resolve("seed.safetensors"));
        MomaConfig target = Upcycling.target(seed, "moma-3t2i", 32, ROUTERS);
        assertThat(target.experts()).isEqualTo(5);
        assertThat(target.base()).isEqualTo(BASE);
        // Gumbel-sigmoid noise is on in both groups' expert-choice routers for the upcycled stage.
        assertThat(target.router().options().get("textRouter")).isEqualTo(RouterSpec.of("expert-choice", "noise", true));
        assertThat(target.router().options().get("imageRouter")).isEqualTo(RouterSpec.of("expert-choice", "noise", true));

        Parameters t = MomaModel.build(target, ROUTERS).parameters();
        t.allocate(be, 99);
        float[] routerBefore = host(t, "layers.1.ffn.router.text");
        LoadReport r = WeightLoader.load(dir.resolve("seed.safetensors"), be, t, Upcycling.mapping(seed), Strictness.STRICT);
        for (int layer = 0; layer < BASE.layers(); layer++) {
            for (String w : new String[]{"w1", "w2", "w3"}) {
                for (int j = 0; j < 3; j++) {
                    assertThat(host(t, "layers." + layer + ".ffn.experts.text." + j + "." + w))
                            .containsExactly(host(s, "layers." + layer + ".ffn.experts.text.0." + w));
                }
                for (int j = 0; j < 2; j++) {
                    assertThat(host(t, "layers." + layer + ".ffn.experts.image." + j + "." + w))
                            .containsExactly(host(s, "layers." + layer + ".ffn.experts.image.0." + w));
                }
                assertThat(host(s, "layers." + layer + ".ffn.experts.text.0." + w))
                        .isNotEqualTo(host(s, "layers." + layer + ".ffn.experts.image.0." + w));
            }
        }
        for (String shared : new String[]{"tok_embeddings", "layers.0.attn.wq", "layers.1.attn.k_norm", "norm", "output"}) {
            assertThat(host(t, shared)).as(shared).containsExactly(host(s, shared));
        }
        // Routers keep their own fresh initialisation and are the only parameters not loaded.
        assertThat(host(t, "layers.1.ffn.router.text")).containsExactly(routerBefore);
        assertThat(r.notMapped()).containsExactlyInAnyOrder("layers.0.ffn.router.text", "layers.0.ffn.router.image",
                "layers.1.ffn.router.text", "layers.1.ffn.router.image");
        assertThat(r.missing()).isEmpty();
    }

    @Test
    void aDenseSeedGrowsEveryExpertFromTheOneFfn(@TempDir Path dir) throws Exception {
        MomaConfig seed = new MomaConfig(BASE, 1, null, null);
        Parameters s = saveSeed(seed, 5, dir.resolve("dense.safetensors"));
        MomaConfig target = Upcycling.target(seed, "moe-8x", 32, ROUTERS);
        assertThat(target.router()).isEqualTo(RouterSpec.of("expert-choice", "noise", true));
        Parameters t = MomaModel.build(target, ROUTERS).parameters();
        t.allocate(be, 6);
        WeightLoader.load(dir.resolve("dense.safetensors"), be, t, Upcycling.mapping(seed), Strictness.STRICT);
        for (int j = 0; j < 8; j++) {
            assertThat(host(t, "layers.0.ffn.experts." + j + ".w2")).containsExactly(host(s, "layers.0.ffn.w2"));
        }
    }

    @Test
    void seedsAndTargetsThatCannotUpcycleSaySo() {
        MomaConfig oneEach = new MomaConfig(BASE, 2, RouterSpec.of("modality", "text", 1), null);
        assertThatThrownBy(() -> Upcycling.target(oneEach, "moe-8x", 32, ROUTERS)).isInstanceOf(UserInputException.class)
                .hasMessageContaining("can only grow into modality expert groups");
        MomaConfig moe = new MomaConfig(BASE, 4, RouterSpec.of("expert-choice"), null);
        assertThatThrownBy(() -> Upcycling.target(moe, "moma-4t4i", 32, ROUTERS))
                .hasMessageContaining("the seed must have a dense feed-forward or one FFN per modality");
        assertThatThrownBy(() -> Upcycling.target(new MomaConfig(BASE, 1, null, null), "mod-moma-2t2i", 32, ROUTERS))
                .hasMessageContaining("keeps the seed's layers");
        assertThatThrownBy(() -> Upcycling.target(new MomaConfig(BASE, 1, null, null), "dense", 32, ROUTERS))
                .hasMessageContaining("grows experts");
    }
}
