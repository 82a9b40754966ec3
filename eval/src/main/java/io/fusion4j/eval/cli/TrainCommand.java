package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.RunLock;
import io.fusion4j.api.data.BatchSource;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.text.ByteBpeTokenizer;
import io.fusion4j.api.nn.ModelConfig;
import io.fusion4j.eval.models.ModelBuilder;
import io.fusion4j.eval.models.Models;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.api.train.TrainEvent;
import io.fusion4j.api.train.Trainer;
import io.fusion4j.eval.config.ConfigJson;
import io.fusion4j.eval.config.Presets;
import io.fusion4j.eval.config.RunConfig;
import io.fusion4j.api.backend.Precision;
import io.fusion4j.eval.data.BuiltinCorpus;
import io.fusion4j.eval.data.DataFingerprint;
import io.fusion4j.eval.data.ImageCodecs;
import io.fusion4j.eval.data.ImageTextRows;
import io.fusion4j.eval.data.MixedVocabulary;
import io.fusion4j.eval.data.TextCorpus;
import io.fusion4j.eval.data.TextSource;
import io.fusion4j.eval.data.TokenDataset;
import io.fusion4j.eval.data.TokenRows;
import io.fusion4j.eval.train.Training;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code fusion4j train}: trains a decoder on text, with checkpoints and resume. */
@Command(name = "train", description = "Train a model: the dense decoder or a MoMa variant (checkpoints in --out; Ctrl-C stops at a step boundary).")
final class TrainCommand implements Callable<Integer> {
    /** A checkpoint's vocabulary layout for mixed-modal rows, which generation reads. */
    static final String MIXED_FILE = io.fusion4j.eval.generate.LoadedRun.MIXED_FILE;

    @Spec
    CommandSpec spec;

    @Option(names = "--preset", defaultValue = "tiny", completionCandidates = PresetNames.class,
            description = "A named configuration from presets.json: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE});"
                    + " ignored with --config.")
    String preset;

    @Option(names = "--config", description = "A training config JSON file (as written to config.json in a checkpoint).")
    Path configFile;

    @Option(names = "--data", defaultValue = "builtin", description = "builtin, a UTF-8 text file, or a folder of .txt files.")
    String data;

    @Option(names = "--steps", description = "Optimizer steps (overrides the config; warm-up is capped at a tenth of them).")
    Long steps;

    @Option(names = "--out", defaultValue = "runs/tiny", description = "Run folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", description = "The run's seed: initialisation, batch order and every random draw of"
            + " training (overrides the config; the data itself is chosen by --data-seed).")
    Long seed;

    @Option(names = "--micro-batches", description = "Split each batch into this many forward/backward passes (gradient accumulation).")
    Integer microBatches;

    @Option(names = "--precision", description = "Matrix products in fp32 or bf16 (fp32 master weights, gradients,"
            + " AdamW and loss either way; bf16 needs a backend that offers it, e.g. onednn). Default: the config's,"
            + " else fp32.")
    String precision;

    /** {@code --precision} parsed, once; null when not given. */
    private Precision askedPrecision;

    @Option(names = "--resume", description = "Continue from the newest good checkpoint in --out.")
    boolean resume;

    @Option(names = "--stop-at", description = "Stop after this step with a checkpoint, keeping the schedule of --steps (resume later).")
    Long stopAt;

    @Mixin
    BackendChoice backendChoice;

    @Option(names = "--allow-config-change", description = "With --resume: continue with the options and data given even"
            + " where they differ from the run's saved config and data (steps, schedule, micro-batches...); the model"
            + " cannot change.")
    boolean allowConfigChange;

    @Option(names = "--tokens", description = "Pre-tokenized rows (safetensors: I32 'tokens' [N, T+1], optional"
            + " 'modality', the vocabulary in __metadata__) to train on exactly as given, instead of --data.")
    Path tokens;

    @Option(names = "--validation-data", description = "Held-out text for validation (default: a held-out part of the"
            + " built-in corpus with --data builtin, else none).")
    String validationData;

    @Option(names = "--validation-tokens", description = "Held-out pre-tokenized rows for validation with --tokens (same"
            + " format, row length and vocabulary): the first validationBatches batches, in file order.")
    Path validationTokens;

    @Option(names = "--image-tokenizer", paramLabel = "DIR|grid", description = "Train on image-caption pairs of"
            + " --dataset mixed with text, as MoMa does, images as the codes of this tokenizer: a folder from 'fusion4j"
            + " tokenizer train', or grid (the fixed grid tokenizer). The rows are made once into --out/data.")
    String imageTokenizer;

    @Mixin
    ImageTextOptions imageText;

    @Option(names = "--caption-dropout", description = "With --dataset: the share of pairs trained without their"
            + " caption, which classifier-free guidance ('generate --cfg') needs (default: 0; 0.1 for Transfusion).")
    Double captionDropout;

    @Option(names = "--layout", defaultValue = "moma", description = "With --image-tokenizer on a model of discrete"
            + " codes: moma (half the pairs caption first) or transfusion (80%, as Transfusion's Chameleon baseline)"
            + " (default: ${DEFAULT-VALUE}).")
    String layout;

    @Option(names = "--patch-size", defaultValue = "4", description = "Transfusion: pixels per patch side with"
            + " --image-tokenizer pixels (default: ${DEFAULT-VALUE}), latent pixels with a VAE folder (1, 2 or 4;"
            + " default 2); the default halves until it divides the image or latent side.")
    int patchSize;

    @Option(names = "--data-seed", defaultValue = "0", description = "With --image-tokenizer: the data order and"
            + " shapes' world (default: ${DEFAULT-VALUE}, as 'data tokenize').")
    long dataSeed;

    /** The image-caption data of a continuous run, closed (its VAE's backend) when the command ends. */
    private ContinuousRunData continuousData;

    @Override
    public Integer call() throws Exception {
        // One writer per run folder, from before the tokenizer is written to after the last checkpoint.
        try (RunLock lock = RunLock.acquire(out)) {
            try {
                return train();
            } finally {
                if (continuousData != null) {
                    continuousData.close();
                }
            }
        }
    }

    private int train() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        CheckpointStore probe = new CheckpointStore(out, 2);
        if (!resume && !probe.checkpoints().isEmpty()) {
            throw new UserInputException("--out " + out + " already holds checkpoints; pass --resume to continue"
                    + " or choose another --out (a good checkpoint is never overwritten by a new run)");
        }
        if (configFile != null && !Files.isRegularFile(configFile)) {
            throw new UserInputException("--config: no such file " + configFile);
        }
        RunConfig run = configFile != null ? ConfigJson.read(configFile) : Presets.get(preset).config();
        ModelConfig model = run.model();
        Models models = Models.standard(RouterModule.routers());
        // Before any data work: an unknown router or a bad option fails here, naming what exists.
        models.builder(model).decoder(model);
        Files.createDirectories(out);
        TrainConfig cfg = run.train();
        // The products' precision the run will ask for (a resumed run's saved one is read later; without
        // --precision it is the config's). Checked now, before any data work, and used by the data preparation
        // too, so a named bf16-only backend serves both.
        askedPrecision = precision != null ? Precision.parse(precision, "--precision") : null;
        Precision products = askedPrecision != null ? askedPrecision : cfg.precision();
        backendChoice.check(products);
        ContinuousRunData continuous = null;
        if (captionDropout != null && !(captionDropout >= 0 && captionDropout <= 1)) {
            throw new UserInputException("--caption-dropout must be in [0, 1], found " + captionDropout);
        }
        if (models.builder(model).continuousImages()) {
            if (!spec.commandLine().getParseResult().hasMatchedOption("--dataset")) {
                throw new UserInputException("a " + model.kind() + " model trains on image-caption pairs: give"
                        + " --dataset shapes|mnist|emoji|FOLDER");
            }
            refuseOtherData("--dataset");
            imageText.check(spec);
            continuous = ContinuousRunData.open(imageText, imageTokenizer == null ? "pixels" : imageTokenizer,
                    spec.commandLine().getParseResult().hasMatchedOption("--patch-size") ? patchSize : null, dataSeed,
                    captionDropout == null ? 0.1 : captionDropout, () -> backendChoice.create(products));
            continuousData = continuous;
            if (continuous.vaeFolder() != null) {
                ImageCodecs.copy(continuous.vaeFolder(), out.resolve(ImageCodecs.RUN_FOLDER));
            }
            model = models.builder(model).fitImages(model, continuous.codec().patchWidth(),
                    continuous.codec().patchSize());
        } else if (imageTokenizer != null) {
            prepareMixed(cfg, products, o);
        } else if (spec.commandLine().getParseResult().hasMatchedOption("--dataset")) {
            throw new UserInputException("--dataset needs --image-tokenizer: a folder from 'fusion4j tokenizer train',"
                    + " or grid for the fixed grid tokenizer");
        }
        if (tokens != null && spec.commandLine().getParseResult().hasMatchedOption("--data")) {
            throw new UserInputException("--tokens and --data both name training data; give one");
        }
        if (validationTokens != null && tokens == null) {
            throw new UserInputException("--validation-tokens needs --tokens (held-out rows for pre-tokenized training)");
        }
        if (tokens != null && validationData != null) {
            throw new UserInputException("--validation-data does not apply to --tokens (pre-tokenized rows have no"
                    + " held-out text)");
        }
        // What a resumed run continues from, read once from its newest verified checkpoint (null: nothing saved yet).
        Saved saved = resume ? readSaved(probe, o) : null;
        TokenRows rows = tokens != null ? TokenRows.read(tokens) : null;
        TextCorpus corpus = null;
        if (continuous != null) {
            if (saved != null && saved.tokenizer() != null
                    && !saved.tokenizer().text().equals(continuous.textTokenizer().text())) {
                throw new UserInputException("--resume: the text tokenizer learned from --dataset "
                        + imageText.dataset + " differs from the run's; pass the options the run was trained with");
            }
        } else if (rows != null) {
            // Pre-tokenized rows fix the sequence length and the vocabulary; there is no tokenizer.
            cfg = cfg.withSeqLen(rows.length());
        } else {
            String text = TextSource.read(data);
            // A resumed run keeps the tokenizer its newest verified checkpoint holds; a new run trains its own.
            if (saved != null && saved.tokenizer() == null) {
                throw new UserInputException("--resume: the newest checkpoint in " + out + " holds no "
                        + TextCorpus.TOKENIZER_FILE + " and neither does the run folder (was it trained with --tokens?)");
            }
            corpus = TextCorpus.prepare(text, saved == null ? null : saved.tokenizer(), out, model.vocab(), line -> {
                o.println(line);
                o.flush();
            });
        }
        if (steps != null) {
            if (steps < 1) {
                throw new UserInputException("--steps must be >= 1, found " + steps);
            }
            cfg = cfg.withSteps(steps);
        }
        if (seed != null) {
            cfg = cfg.withSeed(seed);
        }
        if (askedPrecision != null) {
            cfg = cfg.withPrecision(askedPrecision);
        }
        if (microBatches != null) {
            if (microBatches < 1 || cfg.batch() % microBatches != 0) {
                throw new UserInputException("--micro-batches must be a divisor of the batch size " + cfg.batch()
                        + ", found " + microBatches);
            }
            cfg = cfg.withMicroBatches(microBatches);
        }
        if (stopAt != null && (stopAt < 1 || stopAt > cfg.steps())) {
            throw new UserInputException("--stop-at must be in [1, " + cfg.steps() + "] (the run's steps), found " + stopAt);
        }
        int vocab = continuous != null ? continuous.vocabulary().size() : rows != null ? rows.vocab()
                : corpus.tokenizer().vocabSize();
        if (configFile != null && rows == null && continuous == null && model.vocab() != vocab) {
            throw new UserInputException("the config's vocab is " + model.vocab() + " but " + out.resolve(
                    TextCorpus.TOKENIZER_FILE) + " has " + vocab + " tokens");
        }
        model = model.withVocab(vocab);
        RunConfig asked = new RunConfig(model, cfg);
        RunConfig chosen = saved != null ? resumeConfig(saved.config(), asked, o) : asked;
        model = chosen.model();
        cfg = chosen.train();
        DataFingerprint fingerprint = continuous != null ? continuous.fingerprint()
                : rows != null ? rows.fingerprint(tokens.toString()) : DataFingerprint.of(data, corpus.tokens());
        if (saved != null) {
            checkSameData(saved.data(), fingerprint, o);
        }
        BatchSource<MixedBatch> source;
        List<MixedBatch> held;
        CheckpointStore store = new CheckpointStore(out, cfg.keep()).include(DataFingerprint.FILE,
                fingerprint.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (continuous != null) {
            source = continuous.training(cfg);
            held = continuous.heldOut(cfg);
            store.include(TextCorpus.TOKENIZER_FILE, continuous.textTokenizer().text().getBytes(
                    java.nio.charset.StandardCharsets.UTF_8));
            store.include(MIXED_FILE, continuous.mixedJson());
            o.printf("data: %s image-caption pairs as %d patches of %d floats per image, Transfusion's mix%s; model:"
                            + " %s%n", imageText.dataset, continuous.codec().patchesPerImage(),
                    continuous.codec().patchWidth(), held.isEmpty() ? "" : ", " + held.size() + " held-out batches",
                    model);
        } else if (rows != null) {
            source = rows.source(cfg.batch(), cfg.seed());
            held = heldOut(rows, cfg);
            String text = rows.metadata().get(ImageTextRows.TEXT_TOKENIZER);
            if (text != null) {
                // What generation needs: the text tokenizer and the vocabulary layout of the rows.
                store.include(TextCorpus.TOKENIZER_FILE, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                store.include(MIXED_FILE, MixedVocabulary.json(rows.metadata()).getBytes(
                        java.nio.charset.StandardCharsets.UTF_8));
            }
            o.printf("data: %,d pre-tokenized rows of %d from %s; model: %s%n", rows.count(), rows.length(), tokens, model);
        } else {
            TokenDataset dataset = new TokenDataset(corpus.tokens(), cfg.seqLen(), cfg.seed());
            source = dataset.source(cfg.batch());
            held = heldOut(corpus, cfg);
            store.include(TextCorpus.TOKENIZER_FILE, corpus.tokenizer().text().getBytes(
                    java.nio.charset.StandardCharsets.UTF_8));
            o.printf("data: %,d tokens, %,d sequences of %d%s; model: %s%n", corpus.tokens().length, dataset.size(),
                    cfg.seqLen(), held.isEmpty() ? "" : ", " + held.size() + " held-out batches", model);
        }
        try (Backend backend = backendChoice.create(cfg.precision())) {
            ModelBuilder builder = models.builder(model);
            Decoder decoder = builder.decoder(model);
            Trainer<MixedBatch> trainer = new Trainer<>(backend, decoder.parameters(), builder.objective(decoder),
                    source, held, cfg, store, ConfigJson.write(chosen));
            Progress progress = new Progress(o, System.console() != null);
            try (StopOnShutdown _ = StopOnShutdown.install(trainer)) {
                Training.events(trainer, resume).doOnNext(e -> {
                    if (stopAt != null && e instanceof TrainEvent.Step s && s.step() >= stopAt) {
                        trainer.requestStop();
                    }
                    progress.accept(e);
                }).blockLast();
            }
            return 0;
        }
    }

    /**
     * The rows of a {@code --dataset … --image-tokenizer …} run, made into the run folder (kept on resume), which then
     * train as {@code --tokens} and {@code --validation-tokens}.
     */
    private void prepareMixed(TrainConfig cfg, Precision products, PrintWriter o) throws java.io.IOException {
        refuseOtherData("--image-tokenizer");
        imageText.check(spec);
        long total = steps != null ? steps : cfg.steps();
        int heldRows = cfg.validateEvery() == 0 ? 0 : cfg.batch() * cfg.validationBatches();
        MixedRunData.RowFiles f = MixedRunData.prepare(out, resume, imageText, imageTokenizer, dataSeed,
                layout(captionDropout == null ? 0 : captionDropout), (int) Math.min(Integer.MAX_VALUE,
                        total * cfg.batch()), heldRows, cfg.seqLen(),
                () -> backendChoice.create(products), o, spec.commandLine().getErr());
        tokens = f.train();
        validationTokens = f.heldOut();
    }

    private ImageTextRows.Layout layout(double drop) {
        return switch (layout) {
            case "moma" -> ImageTextRows.Layout.moma(drop);
            case "transfusion" -> ImageTextRows.Layout.transfusion(drop);
            default -> throw new UserInputException("--layout must be moma or transfusion, found " + layout);
        };
    }

    /** Image-caption data is made from --dataset: the options that name other data are refused. */
    private void refuseOtherData(String by) {
        if (tokens != null || validationTokens != null || spec.commandLine().getParseResult().hasMatchedOption("--data")
                || validationData != null) {
            throw new UserInputException(by + " makes its own data from --dataset; drop --tokens,"
                    + " --validation-tokens, --data and --validation-data");
        }
    }

    /**
     * Refuses to resume on other data than the run trained on (the newest verified checkpoint's fingerprint), unless
     * {@code --allow-config-change}; checkpoints written before fingerprints existed are not checked.
     */
    private void checkSameData(DataFingerprint saved, DataFingerprint now, PrintWriter o) {
        if (saved == null || saved.sha256().equals(now.sha256())) {
            return;
        }
        String change = "the run in " + out + " trained on " + saved.describe() + ", this data is " + now.describe();
        if (!allowConfigChange) {
            throw new UserInputException("--resume: the data changed: " + change
                    + "; pass the same --data, or --allow-config-change to continue on this data");
        }
        o.println("WARNING: resuming on changed data: " + change);
    }

    /**
     * What the newest verified checkpoint holds for a resumed run: its config, its tokenizer (null for a run on
     * pre-tokenized rows) and its data fingerprint (null for checkpoints written before fingerprints existed).
     */
    private record Saved(RunConfig config, ByteBpeTokenizer tokenizer, DataFingerprint data) {
    }

    /**
     * Reads {@link Saved} from the newest checkpoint that verifies (once: the manifest check hashes every file), or
     * null when there is none. The tokenizer is the checkpoint's own copy, or the run folder's for checkpoints written
     * before checkpoints held one.
     */
    private Saved readSaved(CheckpointStore store, PrintWriter o) throws java.io.IOException {
        return store.latest(folder -> {
            CheckpointStore.verify(folder);
            RunConfig config = ConfigJson.read(folder.resolve("config.json"));
            Path own = folder.resolve(TextCorpus.TOKENIZER_FILE);
            Path tokFile = Files.isRegularFile(own) ? own : out.resolve(TextCorpus.TOKENIZER_FILE);
            ByteBpeTokenizer tok = Files.isRegularFile(tokFile) ? ByteBpeTokenizer.load(tokFile) : null;
            Path data = folder.resolve(DataFingerprint.FILE);
            DataFingerprint fp = Files.isRegularFile(data)
                    ? DataFingerprint.fromJson(Files.readString(data), data.toString()) : null;
            return new Saved(config, tok, fp);
        }, w -> o.println("WARNING: " + w));
    }

    /**
     * The config a resumed run continues with: the newest verified checkpoint's own, unless options asked for
     * another. A different model can never resume (its weights do not fit); other differences are refused with
     * their list unless {@code --allow-config-change} says to go on with the new settings.
     */
    private RunConfig resumeConfig(RunConfig saved, RunConfig asked, PrintWriter o) {
        var parse = spec.commandLine().getParseResult();
        boolean explicit = configFile != null || parse.hasMatchedOption("--preset") || steps != null
                || microBatches != null || seed != null || precision != null;
        if (!explicit) {
            return saved;
        }
        if (configFile == null && !parse.hasMatchedOption("--preset")) {
            // Only options were given (--steps, --seed…): they change the saved config, not a default preset's.
            io.fusion4j.api.train.TrainConfig t = saved.train();
            t = steps != null ? t.withSteps(steps) : t;
            t = microBatches != null ? t.withMicroBatches(microBatches) : t;
            t = seed != null ? t.withSeed(seed) : t;
            t = askedPrecision != null ? t.withPrecision(askedPrecision) : t;
            asked = new RunConfig(saved.model(), t);
        }
        List<String> changes = ConfigJson.differences(saved, asked);
        if (changes.isEmpty()) {
            return saved;
        }
        List<String> model = changes.stream().filter(c -> c.startsWith("model.")).toList();
        if (!model.isEmpty()) {
            throw new UserInputException("--resume: different model: the run in " + out + " has "
                    + String.join("; ", model) + " (its checkpoints cannot load into this model)");
        }
        if (!allowConfigChange) {
            throw new UserInputException("--resume: the options change the run in " + out + ": " + String.join("; ",
                    changes) + "; drop them to continue as saved, or pass --allow-config-change to continue with them");
        }
        o.println("WARNING: resuming with a changed config: " + String.join("; ", changes));
        return asked;
    }

    /** The fixed held-out batches: from --validation-data, or a part of the built-in corpus the run never trains on. */
    private List<MixedBatch> heldOut(TextCorpus corpus, TrainConfig cfg) throws java.io.IOException {
        if (cfg.validateEvery() == 0 || cfg.validationBatches() == 0) {
            return List.of();
        }
        String text;
        if (validationData != null) {
            text = TextSource.read(validationData);
        } else if (data.equals("builtin")) {
            text = BuiltinCorpus.heldOut();
        } else {
            return List.of();
        }
        int[] tokens = TextCorpus.encode(corpus.tokenizer(), text);
        TokenDataset d = new TokenDataset(tokens, cfg.seqLen(), cfg.seed());
        if (d.size() < cfg.batch() * cfg.validationBatches()) {
            throw new UserInputException("--validation-data: " + d.size() + " sequences of " + cfg.seqLen()
                    + " tokens, fewer than the " + cfg.validationBatches() + " batches of " + cfg.batch() + " validation needs");
        }
        return d.fixedBatches(cfg.batch(), cfg.validationBatches());
    }

    /** The first validationBatches batches of --validation-tokens, checked against the training rows. */
    private List<MixedBatch> heldOut(TokenRows train, TrainConfig cfg) throws java.io.IOException {
        if (validationTokens == null || cfg.validateEvery() == 0 || cfg.validationBatches() == 0) {
            return List.of();
        }
        TokenRows v = TokenRows.read(validationTokens);
        if (v.length() != train.length() || v.vocab() != train.vocab()) {
            throw new UserInputException("--validation-tokens " + validationTokens + ": rows of " + v.length()
                    + " tokens over a vocabulary of " + v.vocab() + ", but the training rows have " + train.length()
                    + " and " + train.vocab());
        }
        int need = cfg.batch() * cfg.validationBatches();
        if (v.count() < need) {
            throw new UserInputException("--validation-tokens " + validationTokens + ": " + v.count() + " rows, fewer"
                    + " than the " + cfg.validationBatches() + " batches of " + cfg.batch() + " validation needs");
        }
        List<MixedBatch> out = new java.util.ArrayList<>();
        for (int b = 0; b < cfg.validationBatches(); b++) {
            int[] picks = new int[cfg.batch()];
            for (int i = 0; i < picks.length; i++) {
                picks[i] = b * cfg.batch() + i;
            }
            out.add(v.batch(picks, io.fusion4j.api.data.DataPosition.START));
        }
        return out;
    }

    /** The preset names, for the help text. */
    static final class PresetNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Presets.all().keySet().iterator();
        }
    }

    /** The progress lines of a model run: loss, its parts, learning rate, gradient norm and throughput. */
    private static final class Progress extends TrainProgress {
        Progress(PrintWriter out, boolean tty) {
            super(out, tty);
        }

        /**
         * The parts of the loss when there is more than one trained term (Transfusion's lm and diffusion, a router's
         * auxiliary losses), then the text and image losses or token counts when the objective reports them.
         */
        private static String modalities(io.fusion4j.api.train.StepLosses l) {
            StringBuilder b = new StringBuilder();
            var trained = l.terms().stream().filter(t -> t.weight() > 0 && t.count() > 0).toList();
            if (trained.size() > 1) {
                for (var t : trained) {
                    b.append(b.isEmpty() ? "" : ", ").append(String.format("%s %.3f", t.name(), t.value()));
                }
            }
            var text = l.term("text");
            var image = l.term("image");
            if (text != null && image != null && text.count() > 0 && image.count() > 0) {
                b.append(b.isEmpty() ? "" : ", ").append(String.format("text %.3f, image %.3f", text.value(),
                        image.value()));
            }
            Double textTokens = l.metrics().get("tokens.text");
            Double imageTokens = l.metrics().get("tokens.image");
            if (textTokens != null && imageTokens != null) {
                b.append(b.isEmpty() ? "" : "; ").append(String.format("tokens text %.0f, image %.0f", textTokens,
                        imageTokens));
            }
            return b.isEmpty() ? "" : " (" + b + ")";
        }

        @Override
        String step(TrainEvent.Step s, long eta) {
            return String.format(
                    "step %d/%d  loss %.4f%s  lr %.2e  |g| %.3f  %,.0f tok/s  %,.1f GFLOP/s  ETA %d:%02d",
                    s.step(), s.totalSteps(), s.loss(), modalities(s.losses()), s.lr(), s.gradNorm(),
                    s.tokensPerSecond(), s.gigaflopsPerSecond(), eta / 60, eta % 60);
        }

        @Override
        String validation(TrainEvent.Validation v) {
            return String.format("loss %.4f%s", v.loss(), modalities(v.losses()));
        }
    }
}
