package io.fusion4j.eval.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.RunLock;
import io.fusion4j.api.router.DecisionFlips;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.api.train.HeldOutLoss;
import io.fusion4j.api.train.NextTokenObjective;
import io.fusion4j.api.train.StepLosses;
import io.fusion4j.eval.generate.LoadedRun;
import io.fusion4j.eval.models.Models;
import io.fusion4j.transfusion.TransfusionConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code fusion4j inspect-routing}: where a trained routed model sends held-out tokens, and how much a wrong
 * mixture-of-depths decision costs. Over held-out micro-batches of the run's training size, with batch routing, it
 * counts each router's text and image tokens per expert; for a model with depth routers it then measures the held-out
 * loss with a fraction of the depth decisions flipped at random (MoMa §4.4's routing-error sweep). Writes
 * {@value #FILE} into the run folder.
 */
@Command(name = "inspect-routing", description = "Count a routed run's text and image tokens per expert on held-out"
        + " rows, and sweep deliberate mixture-of-depths routing errors.")
final class InspectRoutingCommand implements Callable<Integer> {
    static final String FILE = "routing.json";
    /** {@code <router>.tokens.<expert>.<modality>}, as {@link io.fusion4j.api.router.RoutingStats} reports them. */
    private static final Pattern SPLIT = Pattern.compile("(.+)\\.tokens\\.(\\d+)\\.(text|image)");

    @Spec
    CommandSpec spec;

    @Option(names = "--run", required = true, description = "Run folder written by 'train' (its newest verified checkpoint).")
    Path run;

    @Option(names = "--tokens", description = "Pre-tokenized rows (default: the run's " + HeldOutRows.RUN_ROWS
            + "); the held-out micro-batches are taken from their end.")
    Path tokens;

    @Option(names = "--held-out", defaultValue = "8", description = "Micro-batches to measure on (default: ${DEFAULT-VALUE}).")
    int heldOut;

    @Option(names = "--flips", split = ",", defaultValue = "0,0.001,0.005,0.01,0.02", description = "Fractions of the"
            + " depth decisions to flip (default: ${DEFAULT-VALUE}); ignored for a model without depth routers.")
    List<Double> flips;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the flips (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    BackendChoice backendChoice;

    @Override
    public Integer call() throws Exception {
        if (heldOut < 1) {
            throw new UserInputException("--held-out must be >= 1, found " + heldOut);
        }
        for (double f : flips) {
            if (!(f >= 0 && f <= 1)) {
                throw new UserInputException("--flips: each fraction must be in [0, 1], found " + f);
            }
        }
        PrintWriter o = spec.commandLine().getOut();
        Models models = Models.standard(RouterModule.routers());
        try (Backend backend = backendChoice.create()) {
            LoadedRun loaded = LoadedRun.loadBatchRouted(run, backend, models, false,
                    w -> o.println("WARNING: " + w));
            if (loaded.config().model() instanceof TransfusionConfig) {
                throw new UserInputException(loaded.folder() + " is a Transfusion run: its images are continuous"
                        + " patches, which these next-token rows cannot hold; inspect-routing measures MoMa-family"
                        + " runs trained on token rows");
            }
            HeldOutRows data = HeldOutRows.open(run, tokens, loaded.config().train(),
                    loaded.decoder().config().vocab(), heldOut, 0);
            NextTokenObjective objective = new NextTokenObjective(loaded.decoder(),
                    Set.of(Modality.TEXT, Modality.IMAGE));
            StepLosses batch = HeldOutLoss.of(objective, backend, data.heldOut(), 1);
            Map<String, long[][]> split = split(batch.metrics(), data.heldOut().size());
            if (split.isEmpty()) {
                throw new UserInputException(loaded.folder() + ": this model has no routed layer (no router reported"
                        + " tokens per expert); nothing to inspect");
            }
            ObjectNode record = new ObjectMapper().createObjectNode();
            record.put("checkpoint", loaded.folder().getFileName().toString()).put("rows", data.file().toString())
                    .put("held_out_rows", data.heldOutRows()).put("seed", seed);
            long[] perModality = new long[Modality.values().length];
            for (MixedBatch b : data.heldOut()) {
                for (int r = 0; r < b.rows(); r++) {
                    for (int t = 0; t < b.validLength()[r]; t++) {
                        perModality[b.modality()[r * b.length() + t]]++;
                    }
                }
            }
            record.putObject("tokens").put("text", perModality[Modality.TEXT.ordinal()])
                    .put("image", perModality[Modality.IMAGE.ordinal()]);
            losses(record.putObject("batch"), batch);
            o.printf("held out: %d rows of %s, batch routing: loss %.4f (text %.4f, image %.4f)%n", data.heldOutRows(),
                    data.file(), batch.term("lm").value(), term(batch, "text"), term(batch, "image"));
            o.printf("  %-28s %6s %12s %12s%n", "router", "expert", "text tokens", "image tokens");
            ObjectNode routers = record.putObject("routers");
            boolean depth = false;
            for (Map.Entry<String, long[][]> e : split.entrySet()) {
                ArrayNode experts = routers.putArray(e.getKey());
                long[][] c = e.getValue();
                for (int x = 0; x < c.length; x++) {
                    experts.addObject().put("text", c[x][0]).put("image", c[x][1]);
                    o.printf("  %-28s %6d %12d %12d%n", e.getKey(), x, c[x][0], c[x][1]);
                }
                depth |= e.getKey().endsWith(".depth");
            }
            if (depth) {
                o.println("depth decisions flipped at random (held-out loss):");
                ArrayNode sweep = record.putArray("flips");
                for (double f : flips) {
                    StepLosses l = HeldOutLoss.of(objective.routedBy(RoutingMode.flipped(new DecisionFlips(f, seed))),
                            backend, data.heldOut(), 1);
                    losses(sweep.addObject().put("fraction", f), l);
                    o.printf("  %6.2f%%  loss %.4f (text %.4f, image %.4f)%n", 100 * f, l.term("lm").value(),
                            term(l, "text"), term(l, "image"));
                    o.flush();
                }
            }
            Path file = run.resolve(FILE);
            try (RunLock lock = RunLock.acquire(run)) {
                CheckpointStore.writeAtomically(file, new ObjectMapper().writerWithDefaultPrettyPrinter()
                        .writeValueAsString(record).getBytes(StandardCharsets.UTF_8));
            }
            o.printf("wrote %s%n", file);
        }
        return 0;
    }

    /**
     * Per router, per expert: {text, image} tokens over all {@code batches} held-out batches (a pass's metrics are
     * the mean over its batches, each router reporting once per batch).
     */
    static Map<String, long[][]> split(Map<String, Double> metrics, int batches) {
        Map<String, TreeMap<Integer, long[]>> found = new TreeMap<>();
        for (Map.Entry<String, Double> m : metrics.entrySet()) {
            Matcher k = SPLIT.matcher(m.getKey());
            if (k.matches()) {
                long[] c = found.computeIfAbsent(k.group(1), r -> new TreeMap<>())
                        .computeIfAbsent(Integer.parseInt(k.group(2)), e -> new long[2]);
                c[k.group(3).equals("text") ? 0 : 1] = Math.round(m.getValue() * batches);
            }
        }
        Map<String, long[][]> out = new TreeMap<>(LAYER_ORDER);
        for (Map.Entry<String, TreeMap<Integer, long[]>> e : found.entrySet()) {
            out.put(e.getKey(), e.getValue().values().toArray(new long[0][]));
        }
        return out;
    }

    /** {@code layers.2.x} before {@code layers.10.x}. */
    private static final java.util.Comparator<String> LAYER_ORDER = java.util.Comparator
            .comparingInt(InspectRoutingCommand::layerOf).thenComparing(s -> s);

    private static int layerOf(String name) {
        Matcher m = Pattern.compile("layers\\.(\\d+)\\..*").matcher(name);
        return m.matches() ? Integer.parseInt(m.group(1)) : Integer.MAX_VALUE;
    }

    private static void losses(ObjectNode node, StepLosses l) {
        node.put("lm", l.term("lm").value()).put("text", term(l, "text")).put("image", term(l, "image"));
    }

    /** The term's mean, NaN when it counted no target (a text-only run's image term). */
    private static double term(StepLosses l, String name) {
        return l.terms().stream().filter(t -> t.name().equals(name) && t.count() > 0).mapToDouble(t -> t.value())
                .findFirst().orElse(Double.NaN);
    }
}
