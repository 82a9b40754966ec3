package io.fusion4j.eval.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fusion4j.eval.config.ConfigJson;
import io.fusion4j.eval.config.Presets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What {@code fusion4j eval} runs, in order, as {@code fusion4j} commands: the tokenizers and rows the suites share,
 * then every variant at every budget and seed (EVAL.md), each from a config file written into {@code OUT/configs/}
 * from its preset with the suite's steps and validation settings, so the report can show the exact config of every
 * run. Building a plan writes those configs and nothing else.
 */
public final class SuitePlan {
    /** The MoMa suite's variants at equal active FLOPs per token (presets of the same names). */
    public static final List<String> MOMA_SPARSE = List.of("moe-8x", "moma-1t1i", "moma-4t4i", "mod-moma-4t4i");
    /** Dense trains at these multiples of the sparse budget, each with its own schedule, so η can be read off. */
    public static final int[] DENSE_MULTIPLES = {1, 2, 4};
    /** The Transfusion suite's main variants. */
    public static final List<String> TRANSFUSION_VARIANTS = List.of("transfusion", "chameleon", "transfusion-moma");
    /** Held-out batches each validation pass reads (of the presets' batch of 8 rows). */
    static final int VALIDATION_BATCHES = 8;
    /** The seed-1 runs whose routing {@code inspect-routing} measures (heatmaps; MoD's routing-error sweep). */
    static final List<String> ROUTING_INSPECTED = List.of("moe-8x", "moma-4t4i", "mod-moma-4t4i");

    private final Path out;
    private final String dataset;
    private final SuitePreset.Budget budget;
    private final int seeds;
    private final List<String> backendArgs;
    private final List<SuiteStep> steps = new ArrayList<>();
    private final List<Variant> variants = new ArrayList<>();

    private SuitePlan(Path out, String dataset, SuitePreset.Budget budget, int seeds, List<String> backendArgs) {
        this.out = out;
        this.dataset = dataset;
        this.budget = budget;
        this.seeds = seeds;
        this.backendArgs = List.copyOf(backendArgs);
    }

    /**
     * The plan of {@code suite} ({@code moma}, {@code transfusion} or {@code all}) under {@code out}.
     *
     * @param backendArgs {@code --backend}/{@code --threads} to pass to every command that computes
     */
    public static SuitePlan of(String suite, Path out, String dataset, SuitePreset.Budget budget, int seeds,
                               List<String> backendArgs) throws IOException {
        SuitePlan p = new SuitePlan(out, dataset, budget, seeds, backendArgs);
        boolean moma = suite.equals("moma") || suite.equals("all");
        boolean transfusion = suite.equals("transfusion") || suite.equals("all");
        if (!moma && !transfusion) {
            throw new io.fusion4j.api.UserInputException("--suite: expected moma, transfusion or all, found " + suite);
        }
        if (budget.tokenizerSteps() > 0) {
            p.tokenizer("vq");
            if (transfusion) {
                p.tokenizer("vae");
            }
        }
        if (moma) {
            p.moma();
        }
        if (transfusion) {
            p.transfusion();
        }
        return p;
    }

    public List<SuiteStep> steps() {
        return List.copyOf(steps);
    }

    /** Every training run the report reads, with its variant, seed and steps. */
    public List<Variant> variants() {
        return List.copyOf(variants);
    }

    public int seeds() {
        return seeds;
    }

    public String dataset() {
        return dataset;
    }

    public SuitePreset.Budget budget() {
        return budget;
    }

    /** The VQ tokenizer (MoMa's image codes, Chameleon's) or the patch VAE (Transfusion's latents), or null: grid/pixels. */
    Path tokenizerDir(String kind) {
        return budget.tokenizerSteps() > 0 ? out.resolve("tokenizers").resolve(kind) : null;
    }

    private void tokenizer(String kind) {
        Path dir = tokenizerDir(kind);
        List<String> args = new ArrayList<>(List.of("tokenizer", "train", "--kind", kind));
        args.addAll(datasetArgs());
        args.addAll(List.of("--steps", Integer.toString(budget.tokenizerSteps()), "--out", dir.toString(), "--resume"));
        steps.add(new SuiteStep("tokenizer-" + kind, null, SuiteStep.Role.DATA, List.of(compute(args)),
                budget.tokenizerSteps() * 4.0));
    }

    private void moma() throws IOException {
        Path data = out.resolve("moma").resolve("data");
        long longest = budget.momaSteps() * DENSE_MULTIPLES[DENSE_MULTIPLES.length - 1];
        int batch = Presets.get("moma-dense").config().train().batch();
        Path train = data.resolve("train.safetensors");
        Path held = data.resolve("held-out.safetensors");
        Path vq = tokenizerDir("vq");
        List<String> codes = vq == null ? List.of() : List.of("--image-tokenizer", vq.toString());
        List<String> rows = new ArrayList<>(List.of("data", "tokenize"));
        rows.addAll(datasetArgs());
        rows.addAll(List.of("--out", train.toString(), "--rows", Long.toString(longest * batch)));
        rows.addAll(codes);
        List<String> heldRows = new ArrayList<>(List.of("data", "tokenize"));
        heldRows.addAll(datasetArgs());
        heldRows.addAll(List.of("--split", "held-out", "--out", held.toString(), "--rows",
                Integer.toString(VALIDATION_BATCHES * batch)));
        heldRows.addAll(codes);
        steps.add(new SuiteStep("moma-rows", null, SuiteStep.Role.DATA, List.of(compute(rows), compute(heldRows)),
                longest / 10.0));
        List<String> tokens = List.of("--tokens", train.toString(), "--validation-tokens", held.toString());
        for (int seed = 1; seed <= seeds; seed++) {
            for (int m : DENSE_MULTIPLES) {
                momaRun("dense-" + m + "x", "moma-dense", seed, budget.momaSteps() * m, tokens);
            }
            for (String v : MOMA_SPARSE) {
                momaRun(v, v, seed, budget.momaSteps(), tokens);
            }
            // Upcycling: a short 1t1i seed grown into 4t4i, then the sparse budget; its FLOPs include the seed's.
            Path seedRun = out.resolve("moma").resolve("upcycle-seed-s" + seed);
            Path up = out.resolve("moma").resolve("moma-4t4i-upcycled-s" + seed);
            // The seed validates and checkpoints as the sparse runs do: the upcycled run inherits its settings.
            long every = Math.max(1, budget.momaSteps() / 8);
            Path seedConfig = config("moma-1t1i", budget.upcycleSeedSteps(), "upcycle-seed", n -> n
                    .put("validateEvery", every).put("checkpointEvery", Math.max(every, budget.momaSteps() / 4)));
            List<String> seedTrain = train(seedConfig, seedRun, seed, tokens);
            List<String> grow = compute("upcycle", "--from", seedRun.toString(), "--to", "moma-4t4i", "--out",
                    up.toString());
            // The upcycled model's config is upcycling's own (its routers' options); only the steps change.
            List<String> cont = new ArrayList<>(List.of("train", "--out", up.toString(), "--resume", "--steps",
                    Long.toString(budget.momaSteps()), "--allow-config-change"));
            cont.addAll(tokens);
            steps.add(new SuiteStep("moma-4t4i-upcycled-s" + seed, up, SuiteStep.Role.TRAINING,
                    List.of(seedTrain, grow, compute(cont)), budget.upcycleSeedSteps() + budget.momaSteps()));
            variants.add(new Variant("moma", "moma-4t4i-upcycled", seed, budget.momaSteps(), up));
            // Causal inference (MoMa §3.2): auxiliary routers for the expert-choice and MoD runs of seed 1.
            if (seed == 1) {
                for (String v : List.of("moma-4t4i", "mod-moma-4t4i")) {
                    Path run = out.resolve("moma").resolve(v + "-s1");
                    steps.add(new SuiteStep(v + "-s1-aux", run, SuiteStep.Role.AUXILIARY, List.of(compute(
                            "train-aux-routers", "--run", run.toString(), "--tokens", train.toString(), "--steps",
                            Integer.toString(budget.auxSteps()))), budget.auxSteps() / 2.0));
                }
                // Where the routers send text and image tokens, and the MoD routing-error sweep, on held-out rows.
                for (String v : ROUTING_INSPECTED) {
                    Path run = out.resolve("moma").resolve(v + "-s1");
                    steps.add(new SuiteStep(v + "-s1-routing", run, SuiteStep.Role.AUXILIARY, List.of(compute(
                            "inspect-routing", "--run", run.toString(), "--tokens", held.toString(), "--held-out",
                            Integer.toString(VALIDATION_BATCHES))), VALIDATION_BATCHES));
                }
            }
        }
    }

    private void momaRun(String name, String preset, int seed, long steps, List<String> tokens) throws IOException {
        Path run = out.resolve("moma").resolve(name + "-s" + seed);
        this.steps.add(new SuiteStep(name + "-s" + seed, run, SuiteStep.Role.TRAINING, List.of(train(config(preset,
                steps), run, seed, tokens)), steps));
        variants.add(new Variant("moma", name, seed, steps, run));
    }

    private void transfusion() throws IOException {
        Path vae = tokenizerDir("vae");
        Path vq = tokenizerDir("vq");
        long[] budgets = budget.transfusionSteps();
        for (int seed = 1; seed <= seeds; seed++) {
            for (long b : budgets) {
                for (String v : TRANSFUSION_VARIANTS) {
                    String preset = v.equals("transfusion") ? "transfusion-tiny" : v;
                    List<String> data = new ArrayList<>(datasetArgs());
                    if (v.equals("chameleon")) {
                        data.addAll(List.of("--image-tokenizer", vq == null ? "grid" : vq.toString(), "--layout",
                                "transfusion", "--caption-dropout", "0.1"));
                    } else {
                        data = continuousData(vae);
                    }
                    transfusionRun(v, b, seed, config(preset, b), data, "transfusion");
                }
            }
        }
        // Ablations beside the paper's direction: one seed, the first budget, against transfusion at that budget.
        long b = budgets[0];
        List<String> data = continuousData(vae);
        transfusionRun("causal-mask", b, 1, config("transfusion-causal", b), data, "ablation");
        transfusionRun("unet", b, 1, config("transfusion-unet", b), data, "ablation");
        transfusionRun("no-noise-limit", b, 1, config("transfusion-tiny", b, "no-noise-limit", n -> {
            ObjectNode model = (ObjectNode) n.get("model");
            model.put("noiseLimit", model.get("timesteps").asInt());
        }), data, "ablation");
        if (vae != null) {
            // Latents at a quarter of the side (the VAE's default): on shapes' 8×8, 1×1 patches give 64 per image and
            // 4×4 give 4 beside the default 2×2; a grid no other size divides (MNIST's 7×7) has no patch ablation.
            int grid = SuiteScoring.of(dataset).imageSide() / VAE_DOWNSAMPLE;
            int usual = io.fusion4j.eval.data.ImageCodecs.largestDividing(grid, 2);
            for (int k : new int[]{1, 4}) {
                if (k == usual || grid % k != 0) {
                    continue;
                }
                List<String> d = new ArrayList<>(data);
                d.addAll(List.of("--patch-size", Integer.toString(k)));
                transfusionRun("patch-" + k, b, 1, config("transfusion-tiny", b), d, "ablation");
            }
        }
    }

    /** The VAE's downsampling when {@code tokenizer train --kind vae} is given none, as the suite runs it. */
    private static final int VAE_DOWNSAMPLE = 4;

    /** {@code --dataset NAME} and the options the suite reads that dataset with (emoji at 32 pixels). */
    private List<String> datasetArgs() {
        List<String> a = new ArrayList<>(List.of("--dataset", dataset));
        SuiteScoring.find(dataset).ifPresent(s -> a.addAll(s.dataOptions()));
        return a;
    }

    /** Transfusion's data options: pixels of the dataset, or the patch VAE's latents when one is trained. */
    private List<String> continuousData(Path vae) {
        List<String> a = new ArrayList<>(datasetArgs());
        if (vae != null) {
            a.addAll(List.of("--image-tokenizer", vae.toString()));
        }
        return a;
    }

    private void transfusionRun(String name, long steps, int seed, Path config, List<String> data, String suite) {
        String id = name + "-" + steps + "-s" + seed;
        Path run = out.resolve("transfusion").resolve(id);
        // Sampling and scoring happen after training; the step's weight counts both.
        this.steps.add(new SuiteStep(id, run, SuiteStep.Role.TRAINING, List.of(train(config, run, seed, data)),
                steps + budget.prompts() * budget.samplesPerPrompt() * budget.denoisingSteps() / 10.0));
        variants.add(new Variant(suite, name, seed, steps, run));
    }

    /** {@code train} of {@code config} into {@code run} (resumed if it has begun), then the data options. */
    private List<String> train(Path config, Path run, int seed, List<String> data) {
        List<String> args = new ArrayList<>(List.of("train", "--config", config.toString(), "--out", run.toString(),
                "--resume", "--seed", Integer.toString(seed)));
        args.addAll(data);
        return compute(args);
    }

    private Path config(String preset, long steps) throws IOException {
        return config(preset, steps, null, n -> { });
    }

    /**
     * Writes {@code OUT/configs/<preset>[-edit]-<steps>.json}: the preset's config with the suite's steps, a
     * validation pass about eight times a run over {@link #VALIDATION_BATCHES} batches, and checkpoints at the
     * validation points (a stopped suite loses little), then {@code edit} (named {@code edited} in the file name).
     */
    private Path config(String preset, long steps, String edited, Consumer<ObjectNode> edit) throws IOException {
        var base = Presets.get(preset).config();
        ObjectNode n = (ObjectNode) new ObjectMapper().readTree(ConfigJson.write(new io.fusion4j.eval.config.RunConfig(
                base.model(), base.train().withSteps(steps))));
        long every = Math.max(1, steps / 8);
        n.put("validateEvery", every).put("validationBatches", VALIDATION_BATCHES)
                .put("checkpointEvery", Math.max(every, steps / 4)).put("keep", 2);
        edit.accept(n);
        String name = preset + (edited == null ? "" : "-" + edited) + "-" + steps + ".json";
        Path file = out.resolve("configs").resolve(name);
        Files.createDirectories(file.getParent());
        byte[] text = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
        if (!Files.isRegularFile(file) || !java.util.Arrays.equals(Files.readAllBytes(file), text)) {
            io.fusion4j.api.io.CheckpointStore.writeAtomically(file, text);
        }
        return file;
    }

    private List<String> compute(String... args) {
        return compute(List.of(args));
    }

    private List<String> compute(List<String> args) {
        List<String> all = new ArrayList<>(args);
        all.addAll(backendArgs);
        return all;
    }

}
