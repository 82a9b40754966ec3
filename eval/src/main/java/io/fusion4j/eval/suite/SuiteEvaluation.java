package io.fusion4j.eval.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.eval.classify.CaptionAttributes;
import io.fusion4j.eval.classify.ClassifierCache;
import io.fusion4j.eval.classify.ImageClassifier;
import io.fusion4j.eval.classify.Predictions;
import io.fusion4j.eval.classify.ShapesTruth;
import io.fusion4j.eval.data.shapes.ShapeObject;
import io.fusion4j.eval.data.shapes.ShapesWorld;
import io.fusion4j.eval.generate.LoadedRun;
import io.fusion4j.eval.generate.RunSampling;
import io.fusion4j.eval.image.ImageGrid;
import io.fusion4j.eval.image.Png;
import io.fusion4j.eval.metrics.CiderD;
import io.fusion4j.eval.metrics.FrechetDistance;
import io.fusion4j.eval.models.Models;
import io.fusion4j.transfusion.diffusion.Sampler;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * Scores the image runs of a plan (Transfusion, Chameleon and the ablations) after training, into each run's
 * {@code evaluation.json}: images drawn for held-out single-object captions of shapes' test split and judged by a
 * classifier trained on real images (colour, shape, position and all three right), a Fréchet distance on the
 * classifier's features against real test images (with the real-vs-real distance at the same size), and greedy
 * captions of held-out images scored by the attributes they name and CIDEr-D against the scene's captions. Fixed seeds
 * throughout, so scoring the same checkpoint again gives the same numbers; a run already scored for the same
 * checkpoint and settings is skipped.
 */
public final class SuiteEvaluation {
    public static final String FILE = "evaluation.json";
    /** The classifier's accuracy on real held-out images, beside the suite's runs. */
    public static final String CLASSIFIER_FILE = "classifier-accuracy.json";
    /** The guidance scale of the main image metrics (the sweep covers the others). */
    public static final double GUIDANCE = 3;
    /** Caption length limit, in tokens. */
    static final int CAPTION_TOKENS = 32;
    /** Where the real images for the Fréchet distance come from in shapes' test split (prompts come from 0 up). */
    static final long REAL_A = 5_000;
    static final long REAL_B = 7_000;
    /** Where captioned images come from. */
    static final long CAPTIONED = 3_000;

    private final SuitePlan plan;
    private final Path out;
    private final Backend backend;
    private final Models models;
    private final PrintWriter o;
    private final BooleanSupplier stopping;
    private final ShapesWorld world = ShapesWorld.standard();
    /** Real references by sample size, for the classifier of this evaluation. */
    private final java.util.Map<Integer, RealReference> references = new java.util.HashMap<>();

    public SuiteEvaluation(SuitePlan plan, Path out, Backend backend, Models models, PrintWriter o,
                           BooleanSupplier stopping) {
        this.plan = plan;
        this.out = out;
        this.backend = backend;
        this.models = models;
        this.o = o;
        this.stopping = stopping;
    }

    /** A held-out prompt: a one-object scene's first caption and its object. */
    record Prompt(String caption, ShapeObject object) {
    }

    /** The first {@code n} one-object scenes of the test split, as prompts. */
    List<Prompt> prompts(int n) {
        List<Prompt> p = new ArrayList<>();
        for (long i = 0; p.size() < n; i++) {
            var scene = world.scene(ShapesWorld.Split.TEST, i);
            if (scene.objects().size() == 1) {
                p.add(new Prompt(scene.captions().getFirst(), scene.objects().getFirst()));
            }
        }
        return p;
    }

    /** Scores every image run not scored yet; false when a stop was asked for first. */
    public boolean run() throws IOException {
        List<Variant> runs = plan.variants().stream().filter(v -> !v.suite().equals("moma")).toList();
        if (runs.isEmpty()) {
            return true;
        }
        SuitePreset.Budget b = plan.budget();
        ImageClassifier classifier = null;
        try {
            int k = 0;
            for (Variant v : runs) {
                k++;
                if (stopping.getAsBoolean()) {
                    return false;
                }
                ObjectNode settings = settings(v);
                Path file = v.run().resolve(FILE);
                if (Files.isRegularFile(file)) {
                    JsonNode saved = new ObjectMapper().readTree(Files.readString(file));
                    if (saved.path("settings").equals(settings)) {
                        o.printf("[score %d/%d] %s: scored (skipped)%n", k, runs.size(), v.run().getFileName());
                        continue;
                    }
                }
                if (classifier == null) {
                    classifier = ClassifierCache.load(out.resolve("classifier"), plan.dataset(), world.size(), 1,
                            line -> {
                                o.println(line);
                                o.flush();
                            });
                    o.println("classifier on real held-out images: " + classifier.heldOutAccuracy());
                    ObjectNode acc = new ObjectMapper().createObjectNode().put("images",
                            classifier.heldOutAccuracy().images());
                    classifier.heldOutAccuracy().scores().forEach(acc::put);
                    CheckpointStore.writeAtomically(out.resolve(CLASSIFIER_FILE), acc.toString().getBytes(
                            StandardCharsets.UTF_8));
                }
                o.printf("[score %d/%d] %s: %d prompts x %d images, %d captions%n", k, runs.size(),
                        v.run().getFileName(), b.prompts(), b.samplesPerPrompt(), b.captions());
                o.flush();
                ObjectNode result = score(v, classifier, settings);
                if (result == null) {
                    return false;
                }
                CheckpointStore.writeAtomically(file, new ObjectMapper().writerWithDefaultPrettyPrinter()
                        .writeValueAsBytes(result));
            }
            return true;
        } finally {
            if (classifier != null) {
                classifier.close();
            }
        }
    }

    /** What a score depends on besides the weights: the checkpoint and the budget's sampling settings. */
    private ObjectNode settings(Variant v) throws IOException {
        SuitePreset.Budget b = plan.budget();
        CheckpointStore store = new CheckpointStore(v.run(), 2);
        ObjectNode s = new ObjectMapper().createObjectNode();
        s.put("checkpoint", store.checkpoints().isEmpty() ? "" : store.checkpoints().getLast().getFileName().toString())
                .put("prompts", b.prompts()).put("samples_per_prompt", b.samplesPerPrompt())
                .put("denoising_steps", b.denoisingSteps()).put("captions", b.captions()).put("guidance", GUIDANCE)
                .put("cfg_sweep", sweeps(v));
        return s;
    }

    /** The CFG sweep runs on transfusion and chameleon at the largest budget, seed 1. */
    private boolean sweeps(Variant v) {
        long[] budgets = plan.budget().transfusionSteps();
        return v.seed() == 1 && v.steps() == budgets[budgets.length - 1]
                && (v.name().equals("transfusion") || v.name().equals("chameleon"));
    }

    private ObjectNode score(Variant v, ImageClassifier classifier, ObjectNode settings) throws IOException {
        SuitePreset.Budget b = plan.budget();
        LoadedRun run = LoadedRun.load(v.run(), backend, models, false, w -> o.println("WARNING: " + w));
        RunSampling sampling = new RunSampling(run, backend, models);
        ObjectNode r = new ObjectMapper().createObjectNode();
        r.set("settings", settings);
        List<Prompt> prompts = prompts(b.prompts());
        long started = System.nanoTime();
        ImageScores main = images(sampling, classifier, prompts, GUIDANCE, b.samplesPerPrompt());
        if (main == null) {
            return null;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        ObjectNode img = r.putObject("images");
        main.into(img);
        img.put("seconds", seconds);
        RealReference ref = reference(classifier, main.images().size());
        img.put("classifier_fid", FrechetDistance.between(classifier.features(main.images()), ref.features()));
        img.put("real_vs_real_fid", ref.floor());
        writeGrid(v.run().resolve("samples.png"), main.images(), prompts, b.samplesPerPrompt());
        if (settings.path("cfg_sweep").asBoolean()) {
            ArrayNode sweep = r.putArray("cfg_sweep");
            for (double w : b.cfgScales()) {
                ImageScores s = w == GUIDANCE ? main : images(sampling, classifier, prompts, w,
                        b.samplesPerPrompt());
                if (s == null) {
                    return null;
                }
                ObjectNode p = sweep.addObject().put("guidance", w);
                s.into(p);
            }
        }
        if (run.config().model() instanceof io.fusion4j.transfusion.TransfusionConfig tc && !tc.bidirectionalImages()) {
            // The causal-mask ablation draws images only (its image spans cannot be cached both ways for text).
            r.putObject("captions").put("skipped", "the causal-mask model does not caption");
            return r;
        }
        // Image → caption.
        List<String> made = new ArrayList<>();
        List<List<String>> refs = new ArrayList<>();
        int colour = 0;
        int shape = 0;
        int count = 0;
        ArrayNode examples = r.putArray("caption_examples");
        for (int i = 0; i < b.captions(); i++) {
            if (stopping.getAsBoolean()) {
                return null;
            }
            var sample = world.sample(ShapesWorld.Split.TEST, CAPTIONED + i);
            String c = sampling.caption(sample.image(), CAPTION_TOKENS);
            made.add(c);
            refs.add(sample.captions());
            ShapesTruth truth = ShapesTruth.of(sample.scene());
            CaptionAttributes said = CaptionAttributes.parse(c);
            colour += said.colours().equals(truth.colours()) ? 1 : 0;
            shape += said.shapes().equals(truth.shapes()) ? 1 : 0;
            count += said.mentions().size() == truth.count() ? 1 : 0;
            if (i < 6) {
                examples.addObject().put("caption", c).put("reference", sample.captions().getFirst());
            }
        }
        CiderD.Scores cider = CiderD.score(made, refs);
        r.putObject("captions").put("n", b.captions()).put("colour_set", (double) colour / b.captions())
                .put("shape_set", (double) shape / b.captions()).put("count", (double) count / b.captions())
                .put("cider_d", cider.mean());
        o.printf(Locale.ROOT, "  images: colour %.2f, shape %.2f, position %.2f, all %.2f; classifier-FID %.2f"
                        + " (real vs real %.2f); captions: colours %.2f, CIDEr-D %.3f (%.1f s of sampling)%n",
                main.colour(), main.shape(), main.cell(), main.exact(), img.get("classifier_fid").asDouble(),
                img.get("real_vs_real_fid").asDouble(), (double) colour / b.captions(), cider.mean(), seconds);
        o.flush();
        return r;
    }

    /** Conditional accuracies of images drawn at guidance {@code w}, and the images. */
    record ImageScores(List<Image> images, double colour, double shape, double cell, double exact) {
        void into(ObjectNode n) {
            n.put("n", images.size()).put("colour", colour).put("shape", shape).put("position", cell)
                    .put("all", exact);
        }
    }

    private ImageScores images(RunSampling sampling, ImageClassifier classifier, List<Prompt> prompts, double w,
                               int per) {
        SuitePreset.Budget b = plan.budget();
        List<Image> all = new ArrayList<>();
        int colour = 0;
        int shape = 0;
        int cell = 0;
        int exact = 0;
        for (int p = 0; p < prompts.size(); p++) {
            if (stopping.getAsBoolean()) {
                return null;
            }
            Prompt prompt = prompts.get(p);
            List<Image> made = sampling.images(prompt.caption(), per, new RunSampling.ImageOptions(Sampler.DDIM,
                    b.denoisingSteps(), w, 1.0, 10_000L * (p + 1)), k -> { });
            Predictions pred = classifier.predict(made);
            for (int i = 0; i < made.size(); i++) {
                Predictions.Prediction x = pred.get(i);
                boolean c = x.colour() == prompt.object().colour();
                boolean s = x.shape() == prompt.object().shape();
                boolean g = x.cell() == prompt.object().cell();
                colour += c ? 1 : 0;
                shape += s ? 1 : 0;
                cell += g ? 1 : 0;
                exact += c && s && g ? 1 : 0;
            }
            all.addAll(made);
        }
        double n = all.size();
        return new ImageScores(all, colour / n, shape / n, cell / n, exact / n);
    }

    /** Real test images' features for the Fréchet distance, and the real-vs-real distance at that size. */
    record RealReference(double[][] features, double floor) {
    }

    /** The reference for {@code n} generated images: the same for every run, so drawn and featurised once. */
    private RealReference reference(ImageClassifier classifier, int n) {
        return references.computeIfAbsent(n, k -> {
            double[][] a = classifier.features(real(REAL_A, k));
            return new RealReference(a, FrechetDistance.between(classifier.features(real(REAL_B, k)), a));
        });
    }

    private List<Image> real(long from, int n) {
        List<Image> images = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            images.add(world.sample(ShapesWorld.Split.TEST, from + i).image());
        }
        return images;
    }

    private static void writeGrid(Path file, List<Image> images, List<Prompt> prompts, int per) throws IOException {
        List<ImageGrid.Cell> cells = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            cells.add(new ImageGrid.Cell(images.get(i), prompts.get(i / per).caption()));
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Png.write(ImageGrid.render(cells, per, 2, 2), tmp);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The evaluation of a run, or null when it has none. */
    public static JsonNode read(Path run) throws IOException {
        Path f = run.resolve(FILE);
        return Files.isRegularFile(f) ? new ObjectMapper().readTree(Files.readString(f, StandardCharsets.UTF_8)) : null;
    }
}
