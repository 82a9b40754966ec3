package io.fusion4j.eval.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.io.SafetensorsWriter;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.eval.config.ConfigJson;
import io.fusion4j.eval.config.Presets;
import io.fusion4j.eval.config.RunConfig;
import io.fusion4j.moma.MomaConfig;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A tiny mixture-of-depths MoMa run for the CLI tests of trained routed models: 2 layers, MoD at capacity 0.5 on
 * layer 0 around MoMa 2t2i, trained 3 steps on the built-in text (so it holds its tokenizer), and 40 pre-tokenized
 * rows of the same shape (random ids: routing needs no meaning).
 */
record ModMomaRun(DecoderConfig base, TrainConfig train, Path run, Path rows) {
    static final int VOCAB = 412;

    static ModMomaRun train(Path dir) throws Exception {
        DecoderConfig base = new DecoderConfig(VOCAB, 32, 2, 2, 64, 10000f, 1e-5f, NormPlacement.CHAMELEON, true,
                1e-5f, 0.02f);
        MomaConfig model = new MomaConfig(base, 4, RouterSpec.of("modality", "text", 2),
                new MomaConfig.DepthSpec(2, 0, RouterSpec.of("depth", "capacity", 0.5)));
        TrainConfig train = Presets.get("tiny").config().train().withSeqLen(32).withSteps(3).withValidation(0, 0);
        Path cfg = dir.resolve("mod.json");
        Files.writeString(cfg, ConfigJson.write(new RunConfig(model, train)));
        Path run = dir.resolve("run");
        CliRun.Result tr = CliRun.run("train", "--config", cfg.toString(), "--out", run.toString(), "--threads", "1");
        assertThat(tr.rc()).as(tr.err()).isZero();
        Path rows = dir.resolve("rows.safetensors");
        int n = 40;
        int[] ids = new java.util.SplittableRandom(3).ints(n * 33, 0, VOCAB).toArray();
        new SafetensorsWriter().metadata("vocab", Integer.toString(VOCAB)).addI32("tokens", Shape.of(n, 33), ids)
                .write(rows);
        return new ModMomaRun(base, train, run, rows);
    }
}
