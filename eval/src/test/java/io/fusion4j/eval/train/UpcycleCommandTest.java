package io.fusion4j.eval.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.io.SafetensorsFile;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.eval.config.ConfigJson;
import io.fusion4j.eval.config.Presets;
import io.fusion4j.eval.config.RunConfig;
import io.fusion4j.moma.MomaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code upcycle}: a trained 1t1i run becomes the first checkpoint of a 2t2i run that trains on from the seed. */
class UpcycleCommandTest {
    @TempDir
    Path dir;

    private static long field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"?(-?\\d+)").matcher(json);
        assertThat(m.find()).as(name + " in " + json).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static float[] tensor(Path file, String name) throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            float[] v = new float[(int) f.entry(name).shape().numel()];
            f.readFloats(name, v);
            return v;
        }
    }

    @Test
    void aSeedRunGrowsIntoExpertsAndTrainsOnFromItsDataPositionAndFlops() throws Exception {
        RunConfig tiny = Presets.get("tiny").config();
        TrainConfig train = tiny.train().withSteps(4);
        // The built-in corpus trains a tokenizer of 412 ids at the tiny preset's target of 512.
        MomaConfig oneEach = new MomaConfig(((DecoderConfig) tiny.model()).withVocab(412), 2, RouterSpec.of("modality", "text", 1), null);
        Path cfg = dir.resolve("seed.json");
        Files.writeString(cfg, ConfigJson.write(new RunConfig(oneEach, train)));
        Path seed = dir.resolve("seed");
        Path up = dir.resolve("up");
        CliRun.Result s = CliRun.run("train", "--config", cfg.toString(), "--out", seed.toString(), "--threads", "1");
        assertThat(s.rc()).as(s.err()).isZero();

        CliRun.Result u = CliRun.run("upcycle", "--from", seed.toString(), "--to", "moma-2t2i", "--out", up.toString(),
                "--threads", "1");
        assertThat(u.rc()).as(u.err()).isZero();
        assertThat(u.out()).contains("into moma-2t2i").contains("continue with: fusion4j train --out " + up + " --resume");

        String seedState = Files.readString(seed.resolve("step-00000004/trainer_state.json"));
        String start = Files.readString(up.resolve("step-00000000/trainer_state.json"));
        assertThat(field(start, "step")).isZero();
        for (String f : List.of("epoch", "sample_index", "total_flops", "seed")) {
            assertThat(field(start, f)).as(f).isEqualTo(field(seedState, f));
        }
        assertThat(field(seedState, "total_flops")).isPositive();
        String record = Files.readString(up.resolve("upcycled.json"));
        assertThat(field(record, "seed_step")).isEqualTo(4);
        assertThat(field(record, "seed_total_flops")).isEqualTo(field(seedState, "total_flops"));
        Path seedWeights = seed.resolve("step-00000004/model.safetensors");
        Path upWeights = up.resolve("step-00000000/model.safetensors");
        assertThat(tensor(upWeights, "layers.1.ffn.experts.text.1.w1"))
                .containsExactly(tensor(seedWeights, "layers.1.ffn.experts.text.0.w1"));
        assertThat(tensor(upWeights, "layers.0.ffn.experts.image.1.w2"))
                .containsExactly(tensor(seedWeights, "layers.0.ffn.experts.image.0.w2"));
        assertThat(Files.readString(up.resolve("step-00000000/config.json"))).contains("\"noise\" : true");

        // Trains on: a new schedule from step 0, FLOPs counted on top of the seed's.
        CliRun.Result more = CliRun.run("train", "--out", up.toString(), "--resume", "--threads", "1");
        assertThat(more.rc()).as(more.err()).isZero();
        assertThat(more.out()).contains("finished at step 4");
        String firstStep = Files.readAllLines(up.resolve("metrics.jsonl")).getFirst();
        assertThat(field(firstStep, "step")).isEqualTo(1);
        assertThat(field(firstStep, "total_flops")).isGreaterThan(field(seedState, "total_flops"));

        CliRun.Result again = CliRun.run("upcycle", "--from", seed.toString(), "--to", "moma-2t2i", "--out",
                up.toString());
        assertThat(again.rc()).isEqualTo(2);
        assertThat(again.err().strip()).isEqualTo("fusion4j: --out " + up + " already holds checkpoints; choose another"
                + " folder (a good checkpoint is never overwritten)");
        CliRun.Result mixed = CliRun.run("upcycle", "--from", seed.toString(), "--to", "moe-8x", "--out",
                dir.resolve("x").toString());
        assertThat(mixed.rc()).isEqualTo(2);
        assertThat(mixed.err()).contains("can only grow into modality expert groups");
        CliRun.Result none = CliRun.run("upcycle", "--from", dir.resolve("nothing").toString(), "--to", "moma-2t2i",
                "--out", dir.resolve("y").toString());
        assertThat(none.rc()).isEqualTo(2);
        assertThat(none.err()).contains("holds no checkpoint");
    }
}
