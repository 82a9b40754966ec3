package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.io.BoundedText;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.LoadReport;
import io.fusion4j.api.io.RunLock;
import io.fusion4j.api.io.Strictness;
import io.fusion4j.api.io.TrainerState;
import io.fusion4j.api.io.WeightLoader;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.optim.AdamW;
import io.fusion4j.api.router.Routers;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.eval.config.ConfigJson;
import io.fusion4j.eval.config.RunConfig;
import io.fusion4j.eval.data.DataFingerprint;
import io.fusion4j.eval.data.TextCorpus;
import io.fusion4j.eval.models.Models;
import io.fusion4j.moma.MomaConfig;
import io.fusion4j.moma.Upcycling;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code fusion4j upcycle}: turns the newest checkpoint of a dense or 1t1i run into the first checkpoint of a
 * mixture-of-experts run ({@link Upcycling}): experts copied from the seed's FFNs, fresh routers with Gumbel noise,
 * a fresh optimizer and LR schedule (step 0), the seed's data position and FLOPs carried over. {@code train --out
 * RUN2 --resume} then continues on the same data; {@code upcycled.json} records the seed's steps and FLOPs so curves
 * can be shifted by them.
 */
@Command(name = "upcycle", description = "Grow a trained dense or 1t1i run into a mixture of experts (sparse upcycling).")
final class UpcycleCommand implements Callable<Integer> {
    /** What the upcycled run records about its seed. */
    static final String RECORD = "upcycled.json";

    @Spec
    CommandSpec spec;

    @Option(names = "--from", required = true, description = "The seed run folder (its newest verified checkpoint).")
    Path from;

    @Option(names = "--to", required = true, description = "The variant to grow into: moe-8x, moma-{m}t{n}i,"
            + " mod-moma-{m}t{n}i (from a mod seed).")
    String variant;

    @Option(names = "--out", required = true, description = "The new run folder (must hold no checkpoint).")
    Path out;

    @Mixin
    BackendChoice backendChoice;

    /** The seed checkpoint as read once, verified. */
    private record Seed(Path folder, RunConfig config, TrainerState state, byte[] data, byte[] tokenizer) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        CheckpointStore seeds = new CheckpointStore(from, 2);
        if (!Files.isDirectory(from) || seeds.checkpoints().isEmpty()) {
            throw new UserInputException("--from " + from + " holds no checkpoint; train the seed run first");
        }
        Seed seed = seeds.latest(folder -> {
            CheckpointStore.verify(folder);
            Path st = folder.resolve("trainer_state.json");
            return new Seed(folder, ConfigJson.read(folder.resolve("config.json")),
                    TrainerState.fromJson(BoundedText.read(st, BoundedText.SMALL), st.toString()),
                    optional(folder.resolve(DataFingerprint.FILE)), optional(folder.resolve(TextCorpus.TOKENIZER_FILE)));
        }, w -> o.println("WARNING: " + w));
        MomaConfig seedModel = switch (seed.config().model()) {
            case MomaConfig m -> m;
            case DecoderConfig d -> new MomaConfig(d, 1, null, null);
            default -> throw new UserInputException("--from " + from + ": a model of kind '"
                    + seed.config().model().kind() + "' cannot be upcycled");
        };
        Routers routers = RouterModule.routers();
        TrainConfig train = seed.config().train();
        MomaConfig target = Upcycling.target(seedModel, variant, train.seqLen(), routers);
        Files.createDirectories(out);
        try (RunLock lock = RunLock.acquire(out)) {
            CheckpointStore store = new CheckpointStore(out, train.keep());
            if (!store.checkpoints().isEmpty()) {
                throw new UserInputException("--out " + out + " already holds checkpoints; choose another folder"
                        + " (a good checkpoint is never overwritten)");
            }
            if (seed.data() != null) {
                store.include(DataFingerprint.FILE, seed.data());
            }
            if (seed.tokenizer() != null) {
                store.include(TextCorpus.TOKENIZER_FILE, seed.tokenizer());
            }
            try (Backend backend = backendChoice.create()) {
                Decoder d = Models.standard(routers).builder(target).decoder(target);
                d.parameters().allocate(backend, train.seed());
                LoadReport report = WeightLoader.load(seed.folder(), backend, d.parameters(), Upcycling.mapping(seedModel),
                        Strictness.STRICT);
                AdamW fresh = new AdamW(backend, d.parameters(), train.beta1(), train.beta2(), train.eps(),
                        train.weightDecay(), train.clipNorm());
                backend.fill(fresh.firstMoment(), 0f);
                backend.fill(fresh.secondMoment(), 0f);
                TrainerState s = seed.state();
                // Step 0: a new LR schedule; the data position and the FLOPs spent so far are the seed's.
                TrainerState start = new TrainerState(0, s.epoch(), s.sampleIndex(), s.seed(), s.rngOffset(),
                        s.totalFlops());
                String config = ConfigJson.write(new RunConfig(target, train));
                byte[] record = ("{\"from\": " + json(seed.folder().toString())
                        + ", \"variant\": " + json(variant) + ", \"seed_step\": " + s.step() + ", \"seed_total_flops\": "
                        + s.totalFlops() + ", \"epoch\": " + s.epoch() + ", \"sample_index\": " + s.sampleIndex()
                        + "}\n").getBytes(StandardCharsets.UTF_8);
                // The record travels in the checkpoint too; the run folder's copies are written only once it is saved,
                // so a failed upcycle leaves nothing that looks like a run.
                store.include(RECORD, record);
                Path saved = store.save(backend, d.parameters(), fresh, start, config);
                CheckpointStore.writeAtomically(out.resolve(RECORD), record);
                if (seed.tokenizer() != null) {
                    CheckpointStore.writeAtomically(out.resolve(TextCorpus.TOKENIZER_FILE), seed.tokenizer());
                }
                o.printf("upcycled %s (step %d, %s) into %s: %,d parameters, %d of them fresh router weights; %s%n",
                        seed.folder(), s.step(), describe(seedModel), variant, d.parameters().count(),
                        report.notMapped().stream().mapToLong(n -> d.parameters().get(n).shape().numel()).sum(), saved);
                o.printf("continue with: fusion4j train --out %s --resume (with the seed's --tokens or --data)%n", out);
            }
        }
        return 0;
    }

    private static String describe(MomaConfig m) {
        return m.experts() == 1 ? "dense" : m.experts() + " experts";
    }

    private static byte[] optional(Path p) throws java.io.IOException {
        return Files.isRegularFile(p) ? Files.readAllBytes(p) : null;
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
