package io.fusion4j.eval.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.eval.classify.ImageClassifier;
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
 * {@code evaluation.json}, against the plan dataset's {@link SuiteImages}: images drawn for its held-out prompts and
 * judged by a classifier trained on real images (per attribute, and all of them right), a Fréchet distance on the
 * classifier's features against real held-out images (with the real-vs-real distance at the same size), and greedy
 * captions of held-out images scored by the attributes they name and CIDEr-D against the references. Fixed seeds
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

    private final SuitePlan plan;
    private final Path out;
    private final Backend backend;
    private final Models models;
    private final PrintWriter o;
    private final BooleanSupplier stopping;
    private final SuiteImages data;
    /** Real references by sample size, for the classifier of this evaluation. */
    private final java.util.Map<Integer, RealReference> references = new java.util.HashMap<>();

    public SuiteEvaluation(SuitePlan plan, SuiteImages data, Path out, Backend backend, Models models, PrintWriter o,
                           BooleanSupplier stopping) {
        if (!data.dataset().equals(plan.dataset())) {
            throw new IllegalArgumentException("scoring data of " + data.dataset() + " for a plan on " + plan.dataset());
        }
        this.plan = plan;
        this.data = data;
        this.out = out;
        this.backend = backend;
        this.models = models;
        this.o = o;
        this.stopping = stopping;
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
                    classifier = data.classifier(out.resolve("classifier"), line -> {
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
                .put("cfg_sweep", sweeps(v)).put("dataset", data.dataset());
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
        List<SuiteImages.Prompt> prompts = data.prompts(b.prompts());
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
        img.put("classifier_fid", FrechetDistance.between(classifier.features(data.asClassifierInput(main.images())),
                ref.features()));
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
        Tally right = new Tally();
        ArrayNode examples = r.putArray("caption_examples");
        List<SuiteImages.Captioned> captioned = data.captioned(b.captions());
        for (int i = 0; i < captioned.size(); i++) {
            if (stopping.getAsBoolean()) {
                return null;
            }
            SuiteImages.Captioned sample = captioned.get(i);
            String c = sampling.caption(sample.image(), CAPTION_TOKENS);
            made.add(c);
            refs.add(sample.references());
            right.add(sample.judge().apply(c));
            if (i < 6) {
                examples.addObject().put("caption", c).put("reference", sample.references().getFirst());
            }
        }
        CiderD.Scores cider = CiderD.score(made, refs);
        ObjectNode caps = r.putObject("captions").put("n", b.captions());
        right.into(caps, data.scoring().captionAttributes());
        caps.put("cider_d", cider.mean());
        StringBuilder line = new StringBuilder("  images:");
        for (String a : data.scoring().imageAttributes()) {
            line.append(String.format(Locale.ROOT, " %s %.2f,", a, main.share(a)));
        }
        o.printf(Locale.ROOT, "%s all %.2f; classifier-FID %.2f (real vs real %.2f); captions: %s %.2f, CIDEr-D %.3f"
                        + " (%.1f s of sampling)%n", line, main.share("all"), img.get("classifier_fid").asDouble(),
                img.get("real_vs_real_fid").asDouble(), data.scoring().captionAttributes().getFirst(),
                right.share(data.scoring().captionAttributes().getFirst()), cider.mean(), seconds);
        o.flush();
        return r;
    }
    /** How many judgements were right, per attribute. */
    static final class Tally {
        private final java.util.Map<String, Integer> right = new java.util.LinkedHashMap<>();
        private int n;

        void add(java.util.Map<String, Boolean> judged) {
            n++;
            judged.forEach((k, v) -> right.merge(k, v ? 1 : 0, Integer::sum));
        }

        double share(String attribute) {
            return n == 0 ? Double.NaN : right.getOrDefault(attribute, 0) / (double) n;
        }

        void into(ObjectNode node, List<String> attributes) {
            for (String a : attributes) {
                node.put(a, share(a));
            }
        }
    }

    /** Conditional accuracies of images drawn at one guidance scale, and the images. */
    record ImageScores(List<Image> images, Tally right, List<String> attributes) {
        double share(String attribute) {
            return right.share(attribute);
        }

        void into(ObjectNode n) {
            n.put("n", images.size());
            right.into(n, attributes);
        }
    }

    private ImageScores images(RunSampling sampling, ImageClassifier classifier, List<SuiteImages.Prompt> prompts,
                               double w, int per) {
        SuitePreset.Budget b = plan.budget();
        List<Image> all = new ArrayList<>();
        Tally right = new Tally();
        for (int p = 0; p < prompts.size(); p++) {
            if (stopping.getAsBoolean()) {
                return null;
            }
            SuiteImages.Prompt prompt = prompts.get(p);
            List<Image> made = sampling.images(prompt.caption(), per, new RunSampling.ImageOptions(Sampler.DDIM,
                    b.denoisingSteps(), w, 1.0, 10_000L * (p + 1)), k -> { });
            prompt.judge().apply(new SuiteImages.ImageJudgement(classifier, data.asClassifierInput(made)))
                    .forEach(right::add);
            all.addAll(made);
        }
        return new ImageScores(all, right, data.scoring().imageKeys());
    }

    /** Real held-out images' features for the Fréchet distance, and the real-vs-real distance at that size. */
    record RealReference(double[][] features, double floor) {
    }

    /** The reference for {@code n} generated images: the same for every run, so drawn and featurised once. */
    private RealReference reference(ImageClassifier classifier, int n) {
        return references.computeIfAbsent(n, k -> {
            double[][] a = classifier.features(data.real(0, k));
            return new RealReference(a, FrechetDistance.between(classifier.features(data.real(1, k)), a));
        });
    }

    private static void writeGrid(Path file, List<Image> images, List<SuiteImages.Prompt> prompts, int per) throws IOException {
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
