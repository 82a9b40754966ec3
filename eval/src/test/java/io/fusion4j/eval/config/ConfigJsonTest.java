package io.fusion4j.eval.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.train.TrainConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

class ConfigJsonTest {
    @Test
    void aRunConfigRoundTripsWithItsKind() {
        RunConfig tiny = Presets.get("tiny").config();
        String json = ConfigJson.write(tiny);
        assertThat(json).contains("\"kind\" : \"decoder\"").contains("\"beta2\" : 0.95").contains("\"validateEvery\" : 50");
        assertThat(ConfigJson.read(json, "x")).isEqualTo(tiny);
    }

    @Test
    void aConfigWrittenBeforeKindsAndAdamWFieldsLoadsWithTheOldDefaults() throws Exception {
        RunConfig legacy = ConfigJson.read(Path.of("src/test/resources/legacy-run/step-00000004/config.json"));
        assertThat(legacy.model()).isInstanceOf(DecoderConfig.class);
        assertThat(((DecoderConfig) legacy.model()).vocab()).isEqualTo(300);
        TrainConfig t = legacy.train();
        assertThat(t.beta1()).isEqualTo(0.9f);
        assertThat(t.beta2()).isEqualTo(0.95f);
        assertThat(t.eps()).isEqualTo(1e-8f);
        assertThat(t.microBatches()).isEqualTo(2);
        assertThat(t.validateEvery()).isZero();
        assertThat(Files.readString(Path.of("src/test/resources/legacy-run/step-00000004/config.json")))
                .doesNotContain("kind");
    }

    @Test
    void everyMomaPresetRoundTripsThroughItsJson() {
        for (String name : java.util.List.of("moma-dense", "moe-8x", "moma-1t1i", "moma-4t4i", "mod", "mod-moma-4t4i")) {
            RunConfig c = Presets.get(name).config();
            assertThat(c.model()).as(name).isInstanceOf(io.fusion4j.moma.MomaConfig.class);
            RunConfig back = ConfigJson.read(ConfigJson.write(c), name);
            assertThat(back).as(name).isEqualTo(c);
            assertThat(ConfigJson.differences(c, back)).as(name).isEmpty();
        }
        io.fusion4j.moma.MomaConfig mod = (io.fusion4j.moma.MomaConfig) Presets.get("mod-moma-4t4i").config().model();
        assertThat(mod.depth().every()).isEqualTo(2);
        assertThat(mod.depth().first()).isZero();
        assertThat(mod.experts()).isEqualTo(8);
        assertThat(mod.base().layers()).isGreaterThan(4);
    }

    @Test
    void transfusionConfigsWithoutAnEncoderReadAsLinearAndTheUnetPresetRoundTrips() {
        var tiny = Presets.get("transfusion-tiny").config();
        // A config.json written before the encoder fields existed.
        String old = ConfigJson.write(tiny).replaceAll(",\\s*\"encoder\" : \"linear\"", "")
                .replaceAll(",\\s*\"patchSize\" : 0", "").replaceAll(",\\s*\"unetChannels\" : 0", "");
        assertThat(old).doesNotContain("encoder").doesNotContain("patchSize").doesNotContain("unetChannels");
        var read = (io.fusion4j.transfusion.TransfusionConfig) ConfigJson.read(old, "old.json").model();
        assertThat(read.encoder()).isEqualTo("linear");
        assertThat(read).isEqualTo(tiny.model());

        RunConfig unet = Presets.get("transfusion-unet").config();
        var m = (io.fusion4j.transfusion.TransfusionConfig) unet.model();
        assertThat(m.encoder()).isEqualTo("unet");
        assertThat(m.patchSize()).isEqualTo(4);
        assertThat(m.trunk()).isEqualTo(((io.fusion4j.transfusion.TransfusionConfig) tiny.model()).trunk());
        assertThat(ConfigJson.read(ConfigJson.write(unet), "unet.json")).isEqualTo(unet);
        // The data's patches refit the U-Net's grid: 2x2 latent patches of 4 channels.
        assertThat(m.withPatches(16, 2).patchSize()).isEqualTo(2);

        String bad = ConfigJson.write(unet).replace("\"encoder\" : \"unet\"", "\"encoder\" : \"resnet\"");
        assertThatThrownBy(() -> ConfigJson.read(bad, "run.json")).hasMessageContaining("run.json")
                .hasMessageContaining("'encoder' must be \"linear\" or \"unet\", found \"resnet\"");
        String k3 = ConfigJson.write(unet).replace("\"patchSize\" : 4", "\"patchSize\" : 3");
        assertThatThrownBy(() -> ConfigJson.read(k3, "run.json"))
                .hasMessageContaining("the unet encoder needs 'patchSize' 1, 2 or 4, found 3");
    }

    @Test
    void badConfigsNameTheFileAndWhatIsWrong() {
        assertThatThrownBy(() -> ConfigJson.read("{\"model\":{\"kind\":\"mamba\"},\"batch\":1}", "run.json"))
                .hasMessage("run.json: model kind 'mamba' is unknown; known kinds: decoder, moma, transfusion");
        assertThatThrownBy(() -> ConfigJson.read("{\"batch\":1}", "run.json")).hasMessage("run.json: no \"model\" object");
        assertThatThrownBy(() -> ConfigJson.read("[1]", "run.json")).hasMessageStartingWith("run.json: expected a JSON object");
        String tiny = ConfigJson.write(Presets.get("tiny").config());
        assertThatThrownBy(() -> ConfigJson.read(tiny.replace("\"batch\" : 8", "\"batch\" : 8, \"bacth\" : 3"), "run.json"))
                .hasMessageStartingWith("run.json: not a valid run config: Unrecognized field \"bacth\"");
        assertThatThrownBy(() -> ConfigJson.read(tiny.replace("\"beta1\" : 0.9", "\"beta1\" : 1.5"), "run.json"))
                .hasMessageContaining("run.json").hasMessageContaining("AdamW needs 0 <= beta1, beta2 < 1");
        assertThatThrownBy(() -> Presets.get("huge")).hasMessage("--preset: expected one of tiny, dense, moma-dense, moe-8x, moma-1t1i, moma-2t2i, moma-4t4i, moma-7t1i, mod, mod-moma-4t4i, chameleon, transfusion-tiny, transfusion-unet, transfusion-moma, transfusion-causal, found huge");
    }
}
