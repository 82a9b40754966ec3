package io.fusion4j.eval.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.NameMapping;
import io.fusion4j.api.io.RunLock;
import io.fusion4j.api.io.Strictness;
import io.fusion4j.api.io.WeightLoader;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.optim.AdamW;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.eval.config.ConfigJson;
import io.fusion4j.eval.config.RunConfig;
import io.fusion4j.eval.data.TokenRows;
import io.fusion4j.eval.models.AuxiliaryRouterFiles;
import io.fusion4j.eval.models.Models;
import io.fusion4j.moma.auxiliary.AuxiliaryRouterTrainer;
import io.fusion4j.moma.auxiliary.AuxiliaryRouters;
import io.fusion4j.moma.auxiliary.Confusion;
import io.fusion4j.moma.auxiliary.RoutedValidation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code fusion4j train-aux-routers}: trains the causal auxiliary routers of a run's newest verified checkpoint with
 * the model frozen (MoMa §3.2), reports their precision and recall per router and expert and the held-out loss with
 * batch and with causal routing, and writes them into the run folder ({@link AuxiliaryRouterFiles}), where
 * {@code generate} finds them.
 */
@Command(name = "train-aux-routers", description = "Train the causal auxiliary routers of an expert-choice or"
        + " mixture-of-depths run (its model frozen), so it can generate.")
final class TrainAuxRoutersCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--run", required = true, description = "Run folder written by 'train' (its newest verified checkpoint).")
    Path run;

    @Option(names = "--tokens", description = "Pre-tokenized rows to train on (default: the run's " + HeldOutRows.RUN_ROWS + ").")
    Path tokens;

    @Option(names = "--steps", defaultValue = "200", description = "Updates (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--lr", defaultValue = "3e-3", description = "Peak learning rate, linear warm-up over a tenth of"
            + " the steps and linear decay to a hundredth (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--held-out", defaultValue = "4", description = "Micro-batches kept out of training for the report,"
            + " taken from the end of the rows (default: ${DEFAULT-VALUE}).")
    int heldOut;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the predictors' initialisation and the batch"
            + " order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    BackendChoice backendChoice;

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || heldOut < 1) {
            throw new UserInputException("--steps and --held-out must be >= 1, found " + steps + " and " + heldOut);
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new UserInputException("--lr must be a finite number > 0, found " + lr);
        }
        if (!Files.isDirectory(run)) {
            throw new UserInputException("--run " + run + ": no such folder");
        }
        CheckpointStore store = new CheckpointStore(run, 2);
        if (store.checkpoints().isEmpty()) {
            throw new UserInputException("--run " + run + " has no checkpoint; train into it first");
        }
        PrintWriter o = spec.commandLine().getOut();
        Models models = Models.standard(RouterModule.routers());
        try (RunLock lock = RunLock.acquire(run); Backend backend = backendChoice.create()) {
            record Loaded(Path folder, RunConfig config, Decoder model) {
            }
            Loaded ck = store.latest(folder -> {
                CheckpointStore.verify(folder);
                RunConfig cfg = ConfigJson.read(folder.resolve("config.json"));
                Decoder d = models.builder(cfg.model()).decoder(cfg.model());
                d.parameters().allocate(backend, 0);
                WeightLoader.load(folder.resolve("model.safetensors"), backend, d.parameters(), NameMapping.identity(),
                        Strictness.STRICT);
                return new Loaded(folder, cfg, d);
            }, w -> o.println("WARNING: " + w));
            AuxiliaryRouters aux = AuxiliaryRouters.of(ck.model());
            if (aux.isEmpty()) {
                throw new UserInputException(ck.folder() + ": this model's routing is already causal; it generates"
                        + " without auxiliary routers");
            }
            TrainConfig train = ck.config().train();
            // One update per training micro-batch, so expert choice ranks over as many tokens as in training.
            HeldOutRows data = HeldOutRows.open(run, tokens, train, ck.model().config().vocab(), heldOut,
                    train.batch() / train.microBatches());
            TokenRows rows = data.rows();
            Path rowsFile = data.file();
            int micro = data.microRows();
            int held = data.heldOutRows();
            int trainRows = data.trainRows();
            List<MixedBatch> heldOutBatches = data.heldOut();
            aux.parameters().allocate(backend, seed);
            AdamW opt = new AdamW(backend, aux.parameters(), train.beta1(), train.beta2(), train.eps(), 0f, 1.0);
            AuxiliaryRouterTrainer trainer = new AuxiliaryRouterTrainer(ck.model(), aux, backend, opt);
            o.printf("auxiliary routers for %d routers of %s (%,d parameters; the model's %,d frozen); %d steps of %d"
                    + " rows from %s (%d held out)%n", aux.slots().size(), ck.folder(), aux.parameters().count(),
                    ck.model().parameters().count(), steps, micro, rowsFile, held);
            SplittableRandom order = new SplittableRandom(seed);
            long start = System.nanoTime();
            double last = Double.NaN;
            int every = Math.max(1, steps / 10);
            for (int s = 1; s <= steps; s++) {
                int[] picks = order.ints(micro, 0, trainRows).toArray();
                double rate = schedule(s);
                last = trainer.step(rows.batch(picks, DataPosition.START), rate);
                if (s % every == 0 || s == steps) {
                    o.printf("step %d/%d  bce %.4f  lr %.2e  %.1f s%n", s, steps, last, rate,
                            (System.nanoTime() - start) / 1e9);
                    o.flush();
                }
            }
            List<AuxiliaryRouterTrainer.RouterQuality> quality = trainer.evaluate(heldOutBatches);
            RoutedValidation.Comparison both = RoutedValidation.compare(ck.model(), backend, heldOutBatches, 1, aux);
            o.println("held out, predicted (> 0.5) against the main routers' batch choices:");
            o.printf("  %-28s %6s %9s %9s %9s %9s %8s%n", "router", "expert", "precision", "recall", "taken",
                    "predicted", "bce");
            ObjectNode record = new ObjectMapper().createObjectNode();
            record.put("steps", steps).put("lr", lr).put("batch_rows", micro).put("seq_len", train.seqLen())
                    .put("tokens", rowsFile.toString()).put("held_out_rows", held).put("seed", seed)
                    .put("train_bce", last);
            ArrayNode routers = record.putArray("routers");
            for (AuxiliaryRouterTrainer.RouterQuality q : quality) {
                ObjectNode r = routers.addObject().put("router", q.router()).put("bce", q.bce());
                ArrayNode experts = r.putArray("experts");
                for (int e = 0; e < q.experts().size(); e++) {
                    Confusion c = q.experts().get(e);
                    o.printf("  %-28s %6d %9.3f %9.3f %9d %9d %8.4f%n", q.router(), e, c.precision(), c.recall(),
                            c.positives(), c.predicted(), q.bce());
                    experts.addObject().put("expert", e).put("precision", c.precision()).put("recall", c.recall())
                            .put("positives", c.positives()).put("predicted", c.predicted());
                }
            }
            double batchLoss = both.batch().term("lm").value();
            double causalLoss = both.causal().term("lm").value();
            o.printf("validation loss: batch routing %.4f, causal (auxiliary) routing %.4f%n", batchLoss, causalLoss);
            record.putObject("validation").put("batch", batchLoss).put("causal", causalLoss);
            AuxiliaryRouterFiles.save(run, ck.folder().getFileName().toString(), aux, backend, record);
            o.printf("wrote %s and %s in %s%n", AuxiliaryRouterFiles.WEIGHTS, AuxiliaryRouterFiles.RECORD, run);
        }
        return 0;
    }

    /** Linear warm-up over the first tenth of the steps, then linear decay to a hundredth of the peak (MoMa Table 6). */
    private double schedule(int step) {
        int warm = Math.max(1, steps / 10);
        if (step <= warm) {
            return lr * step / warm;
        }
        double f = (double) (step - warm) / Math.max(1, steps - warm);
        return lr * (1 - 0.99 * f);
    }
}
