package io.fusion4j.eval.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code train-aux-routers} makes a mixture-of-depths MoMa run generate; without it {@code generate} refuses. */
class TrainAuxRoutersCommandTest {
    @TempDir
    Path dir;

    @Test
    void auxiliaryRoutersLetAnExpertChoiceAndDepthRunGenerate() throws Exception {
        ModMomaRun mod = ModMomaRun.train(dir);
        Path run = mod.run();
        Path rows = mod.rows();

        CliRun.Result refused = CliRun.run("generate", "--run", run.toString(), "--max-tokens", "3", "--threads", "1");
        assertThat(refused.rc()).isEqualTo(2);
        assertThat(refused.err()).contains("cannot generate token by token because its mixture-of-depths layers")
                .contains("fusion4j train-aux-routers --run " + run).doesNotContain("internal error");

        CliRun.Result missing = CliRun.run("train-aux-routers", "--run", run.toString(), "--threads", "1");
        assertThat(missing.rc()).isEqualTo(2);
        assertThat(missing.err()).contains("holds no data/train.safetensors").contains("--tokens FILE");

        CliRun.Result aux = CliRun.run("train-aux-routers", "--run", run.toString(), "--tokens", rows.toString(),
                "--steps", "4", "--held-out", "2", "--threads", "1");
        assertThat(aux.rc()).as(aux.err()).isZero();
        assertThat(aux.out()).contains("step 4/4").contains("layers.0.depth_router").contains("layers.1.ffn.router.text")
                .contains("validation loss: batch routing").contains("causal (auxiliary) routing");
        JsonNode record = new ObjectMapper().readTree(run.resolve("aux-routers.json").toFile());
        assertThat(record.get("steps").asInt()).isEqualTo(4);
        assertThat(record.get("weights_sha256").asText()).hasSize(64);
        assertThat(record.get("routers")).hasSize(5); // per layer: text and image groups; layer 0 also MoD
        JsonNode first = record.get("routers").get(0);
        assertThat(first.get("router").asText()).isEqualTo("layers.0.ffn.router.text");
        assertThat(first.get("experts")).hasSize(2);
        double recall = first.get("experts").get(0).get("recall").asDouble();
        assertThat(recall).isBetween(0.0, 1.0);
        assertThat(record.get("validation").get("causal").asDouble()).isPositive();
        assertThat(Files.exists(run.resolve("aux-routers.safetensors"))).isTrue();

        CliRun.Result gen = CliRun.run("generate", "--run", run.toString(), "--max-tokens", "4", "--threads", "1");
        assertThat(gen.rc()).as(gen.err()).isZero();
        assertThat(gen.out()).contains("tokens from");

        // Weights that are not the ones the record names are refused, not used.
        Files.write(run.resolve("aux-routers.safetensors"), new byte[]{1, 2, 3});
        CliRun.Result tampered = CliRun.run("generate", "--run", run.toString(), "--max-tokens", "2", "--threads", "1");
        assertThat(tampered.rc()).isEqualTo(2);
        assertThat(tampered.err()).contains("SHA-256").contains("train-aux-routers");
    }
}
