package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.generate.GenerationEvent;
import io.fusion4j.api.generate.TextGenerator;
import io.fusion4j.api.generate.TokenSampler;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.text.ByteBpeTokenizer;
import io.fusion4j.eval.generate.Generation;
import io.fusion4j.eval.generate.LoadedRun;
import io.fusion4j.api.data.DiscreteImageCodec;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.generate.MixedModalGenerator;
import io.fusion4j.eval.data.ImageCodecs;
import io.fusion4j.eval.data.MixedVocabulary;
import io.fusion4j.eval.image.ImageGrid;
import io.fusion4j.eval.image.Png;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import io.fusion4j.api.io.WeightLoader;
import io.fusion4j.api.io.NameMapping;
import io.fusion4j.api.io.Strictness;
import io.fusion4j.eval.models.AuxiliaryRouterFiles;
import io.fusion4j.eval.models.Models;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.moma.auxiliary.AuxiliaryRouters;
import io.fusion4j.eval.config.ConfigJson;
import io.fusion4j.eval.config.RunConfig;
import io.fusion4j.eval.data.TextCorpus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code fusion4j generate}: continues a prompt with the newest checkpoint of a run. */
@Command(name = "generate", aliases = "caption", description = "Generate from the newest checkpoint of a training run (KV-cached decoding):"
        + " text; for a run trained on images (train --image-tokenizer), an image from a caption (--out), a grid of"
        + " them (--samples), or a caption for an image (--image; 'fusion4j caption --image PNG' says the same).")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--run", defaultValue = "runs/tiny", description = "Run folder written by 'train' (default: ${DEFAULT-VALUE}).")
    Path run;

    @Option(names = "--prompt", defaultValue = "The", description = "Text to continue (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "40", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", description = "0 for greedy decoding, else the sampling temperature (default: 0"
            + " for text, 1 for images).")
    Double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Draw from the k most probable tokens only (default:"
            + " 0, no limit).")
    int topK;

    @Option(names = "--out", paramLabel = "FILE", description = "Image runs: draw an image for --prompt (the caption)"
            + " and write it here as PNG; with --samples, a grid of them.")
    Path imageOut;

    @Option(names = "--samples", defaultValue = "1", description = "Image runs: images to draw for the caption, in"
            + " one grid (default: ${DEFAULT-VALUE}; more than 1 writes to --out, default generated.png).")
    int samples;

    @Option(names = "--steps", defaultValue = "250", description = "Transfusion runs: denoising steps (default:"
            + " ${DEFAULT-VALUE}, as the paper; 50 is plenty at small scale).")
    int denoisingSteps;

    @Option(names = "--sampler", defaultValue = "ddim", description = "Transfusion runs: ddim (eta 0) or ddpm"
            + " (default: ${DEFAULT-VALUE}).")
    String samplerName;

    @Option(names = "--image", paramLabel = "PNG", description = "Image runs: caption this image (its size must be"
            + " the tokenizer's).")
    Path imageIn;

    @Option(names = "--cfg", defaultValue = "1", description = "Image runs: classifier-free guidance scale for image"
            + " codes, against the caption-less context BOS BOI (default: ${DEFAULT-VALUE}, off; train with"
            + " --caption-dropout for it to mean anything).")
    double cfg;

    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus sampling mass (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "1", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    BackendChoice backendChoice;

    @Option(names = "--allow-non-finite", description = "Load weights that hold NaN or Inf (to inspect a diverged run).")
    boolean allowNonFinite;

    @Override
    public Integer call() throws Exception {
        if (temperature != null && (!(temperature >= 0) || Double.isInfinite(temperature))) {
            throw new UserInputException("--temperature must be a finite number >= 0 (0 for greedy), found " + temperature);
        }
        if (topK < 0) {
            throw new UserInputException("--top-k must be >= 0 (0 for no limit), found " + topK);
        }
        if (samples < 1) {
            throw new UserInputException("--samples must be >= 1, found " + samples);
        }
        if (!Double.isFinite(cfg)) {
            throw new UserInputException("--cfg must be a finite number, found " + cfg);
        }
        if (imageIn != null && (imageOut != null || samples > 1)) {
            throw new UserInputException("--image asks for a caption; --out and --samples ask for images: give one");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new UserInputException("--top-p must be in (0, 1], found " + topP);
        }
        if (maxTokens < 0) {
            throw new UserInputException("--max-tokens must be >= 0, found " + maxTokens);
        }
        if (!Files.isDirectory(run)) {
            throw new UserInputException("--run " + run + ": no such folder" + (Files.exists(run) ? " (it is a file)" : ""));
        }
        PrintWriter out = spec.commandLine().getOut();
        Models models = Models.standard(RouterModule.routers());
        CheckpointStore store = new CheckpointStore(run, 2);
        if (store.checkpoints().isEmpty()) {
            throw new UserInputException("--run " + run + " has no checkpoint; train into it first");
        }
        refuseNonCausal(models, store.checkpoints().getLast());
        try (Backend backend = backendChoice.create()) {
            LoadedRun loaded = LoadedRun.load(run, backend, models, allowNonFinite, w -> out.println("WARNING: " + w));
            Decoder decoder = loaded.decoder();
            RoutingMode routing = loaded.routing();
            if (loaded.vocabulary() != null && loaded.vocabulary().imageCodes() > 0) {
                return mixedModal(loaded, backend, out, routing);
            }
            if (loaded.transfusion()) {
                return transfusion(loaded, models, backend, out);
            }
            if (imageIn != null || imageOut != null || samples > 1 || cfg != 1) {
                throw new UserInputException("--image, --out, --samples and --cfg need a run trained on images"
                        + " ('fusion4j train --dataset … --image-tokenizer …'); " + run + " trained on text");
            }
            ByteBpeTokenizer tok = loaded.tokenizer();
            int[] ids = tok.encode(prompt);
            if (ids.length == 0) {
                throw new UserInputException("--prompt must not be empty");
            }
            // Positions past the trained context were never seen in training: refuse rather than emit noise.
            if ((long) ids.length + maxTokens > loaded.context()) {
                throw new UserInputException("--max-tokens: the prompt (" + ids.length + " tokens) and " + maxTokens
                        + " new tokens exceed the " + loaded.context() + "-token context the model was trained on; ask"
                        + " for at most " + Math.max(0, loaded.context() - ids.length) + " new tokens");
            }
            out.print(prompt);
            TokenSampler sampler = new TokenSampler(temperature == null ? 0 : temperature, topK, topP,
                    new SplittableRandom(seed));
            TextGenerator generator = new TextGenerator(decoder, backend, tok::decode, tok.specialId("<|eos|>"),
                    routing);
            Generation.flux(generator, ids, maxTokens, sampler).doOnNext(event -> {
                switch (event) {
                    case GenerationEvent.Token t -> {
                        out.print(t.textDelta());
                        out.flush();
                    }
                    case GenerationEvent.ImageFinished f -> {
                        // a text model's vocabulary has no image codes
                    }
                    case GenerationEvent.DenoisingStep d -> {
                        // nor does it denoise
                    }
                    case GenerationEvent.Finished f -> {
                        out.println();
                        out.printf("(%d tokens from %s)%n", f.generated(), loaded.folder());
                    }
                }
            }).blockLast();
            return 0;
        }
    }

    /** Generation for a run on mixed-modal rows: text, an image for a caption, or a caption for an image. */
    private int mixedModal(LoadedRun loaded, Backend backend, PrintWriter out, RoutingMode routing) throws java.io.IOException {
        Vocabulary v = loaded.vocabulary();
        DiscreteImageCodec codec = loaded.codec();
        ByteBpeTokenizer tok = loaded.tokenizer();
        boolean drawing = imageOut != null || samples > 1;
        if ((drawing || imageIn != null) && codec == null) {
            throw new UserInputException("--run " + run + " keeps no image tokenizer (" + run.resolve(
                    ImageCodecs.RUN_FOLDER) + "), so its image codes cannot be drawn or made; runs trained with"
                    + " --image-tokenizer keep one");
        }
        if (cfg != 1 && "0.0".equals(loaded.mixed().getOrDefault("caption_dropout", "0.0"))) {
            out.println("WARNING: --cfg " + cfg + ": this run trained with no captions dropped, so the caption-less"
                    + " context guidance compares against was never trained (train with --caption-dropout 0.1)");
        }
        int tpi = codec != null ? codec.tokensPerImage() : imageLength(loaded);
        boolean promptGiven = spec.commandLine().getParseResult().hasMatchedOption("--prompt");
        int[] text = promptGiven || imageIn == null ? tok.encode(prompt) : new int[0];
        int[] ids;
        if (imageIn != null) {
            ids = v.imageThenText(codec.encode(imageIn(codec.channels(), codec.side())).codes(), text);
        } else if (drawing) {
            ids = v.imageRequest(text); // the caption is done: an image follows
        } else {
            ids = new int[text.length + 1];
            ids[0] = v.bos();
            System.arraycopy(text, 0, ids, 1, text.length);
        }
        int newTokens = drawing ? 0 : maxTokens;
        MixedModalGenerator.Request request = new MixedModalGenerator.Request(ids, newTokens, drawing ? 1 : 0, cfg,
                new int[]{v.bos()});
        MixedModalGenerator generator = new MixedModalGenerator(loaded.decoder(), backend, v, tpi, tok::decode,
                codec == null ? null : codec::decode, routing);
        int needed = generator.positionsNeeded(request) - (drawing ? 1 : 0);
        if (needed > loaded.context()) {
            throw new UserInputException(drawing ? "--prompt: the caption (" + ids.length + " tokens with BOS and BOI)"
                    + " and an image (" + tpi + " codes) exceed the " + loaded.context() + "-token context the model was"
                    + " trained on" : "--max-tokens: the prompt (" + ids.length + " tokens) and " + newTokens + " new"
                    + " tokens exceed the " + loaded.context() + "-token context the model was trained on; ask for at"
                    + " most " + Math.max(0, loaded.context() - ids.length) + " new tokens");
        }
        double t = temperature != null ? temperature : drawing ? 1 : 0;
        TokenSampler sampler = new TokenSampler(t, topK, topP, new SplittableRandom(seed));
        List<ImageGrid.Cell> drawn = new ArrayList<>();
        int[] freeImages = {0};
        if (!drawing) {
            out.print(imageIn != null ? "caption: " + prompt(promptGiven) : prompt);
        }
        for (int s = 0; s < samples; s++) {
            Generation.flux(generator, request, sampler).doOnNext(event -> {
                switch (event) {
                    case GenerationEvent.Token tk -> {
                        out.print(tk.textDelta());
                        out.flush();
                    }
                    case GenerationEvent.ImageFinished f -> {
                        if (drawing) {
                            drawn.add(new ImageGrid.Cell(f.image(), prompt));
                        } else if (f.image() != null) {
                            Path file = Path.of("generated-" + (++freeImages[0]) + ".png");
                            try {
                                Png.write(f.image(), file);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                            out.print("[image: " + file + "]");
                        }
                    }
                    case GenerationEvent.DenoisingStep d -> {
                        // discrete images are sampled, not denoised
                    }
                    case GenerationEvent.Finished f -> {
                        if (!drawing) {
                            out.println();
                            out.printf("(%d tokens from %s)%n", f.generated(), loaded.folder());
                        }
                    }
                }
            }).blockLast();
        }
        if (drawing) {
            Path file = imageOut != null ? imageOut : Path.of("generated.png");
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Png.write(drawn.size() == 1 ? drawn.getFirst().image()
                    : ImageGrid.render(drawn, Math.min(8, drawn.size()), 2, 2), file);
            out.printf("wrote %d image%s for \"%s\" to %s (%s, temperature %s%s, from %s)%n", drawn.size(),
                    drawn.size() == 1 ? "" : "s", prompt, file, codec.tokensPerImage() + " codes each", t,
                    cfg != 1 ? ", cfg " + cfg : "", loaded.folder());
        }
        return 0;
    }

    /** A Transfusion run: an image denoised for the caption (--out, --samples), or a caption for --image. */
    private int transfusion(LoadedRun loaded, Models models, Backend backend, PrintWriter out) throws java.io.IOException {
        Vocabulary v = loaded.vocabulary();
        Map<String, String> m = loaded.mixed();
        // A VAE run decodes with its copy of the VAE; its latents are clamped to the measured range, pixels to ±1.
        io.fusion4j.api.data.ContinuousImageCodec codec = loaded.continuous();
        double clip = loaded.clip();
        io.fusion4j.transfusion.diffusion.Sampler kind;
        try {
            kind = io.fusion4j.transfusion.diffusion.Sampler.of(samplerName);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--sampler: " + e.getMessage(), e);
        }
        if (denoisingSteps < 1 || denoisingSteps > 1000) {
            throw new UserInputException("--steps must be in [1, 1000] (the training timesteps), found "
                    + denoisingSteps);
        }
        var sampler = new io.fusion4j.transfusion.TransfusionSampler(models.transfusion(loaded.decoder()), backend, v,
                codec.patchesPerImage());
        ByteBpeTokenizer tok = loaded.tokenizer();
        boolean promptGiven = spec.commandLine().getParseResult().hasMatchedOption("--prompt");
        boolean drawing = imageOut != null || samples > 1;
        float[] promptImage = null;
        if (imageIn != null) {
            promptImage = codec.encode(imageIn(codec.channels(), codec.side())).patches();
        }
        int[] text = imageIn == null || promptGiven ? tok.encode(prompt) : new int[0];
        // Text to image: BOS caption BOI; a caption: (BOS BOI image EOI) then the prompt's text; else BOS and text.
        int lead = imageIn == null ? 1 : 0;
        int[] ids = new int[lead + text.length + (drawing ? 1 : 0)];
        if (lead == 1) {
            ids[0] = v.bos();
        }
        System.arraycopy(text, 0, ids, lead, text.length);
        if (drawing) {
            ids[ids.length - 1] = v.boi();
        }
        int used = ids.length + (imageIn != null ? 3 + codec.patchesPerImage() : 0);
        int newTokens = drawing ? 0 : Math.max(0, Math.min(maxTokens, loaded.context() - used));
        if (used + (drawing ? codec.patchesPerImage() : 0) > loaded.context()) {
            throw new UserInputException("--prompt: the prompt (" + used + " positions) and an image ("
                    + codec.patchesPerImage() + " patches) exceed the " + loaded.context() + "-token context the"
                    + " model was trained on");
        }
        if (cfg != 1 && "0.0".equals(m.getOrDefault("caption_dropout", "0.0"))) {
            out.println("WARNING: --cfg " + cfg + ": this run trained with no captions dropped");
        }
        PrintWriter err = spec.commandLine().getErr();
        List<ImageGrid.Cell> drawn = new ArrayList<>();
        int[] written = {0};
        long started = System.nanoTime();
        double t = temperature != null ? temperature : 0;
        TokenSampler tokens = new TokenSampler(t, topK, topP, new SplittableRandom(seed));
        if (!drawing) {
            out.print(imageIn != null ? "caption: " + prompt(promptGiven) : prompt);
        }
        for (int k = 0; k < samples; k++) {
            int sample = k;
            // The clean estimate is clamped to the data range at every step (see clip above).
            var request = new io.fusion4j.transfusion.TransfusionSampler.Request(ids, promptImage, newTokens,
                    imageIn == null, drawing ? 1 : 0, kind, denoisingSteps, cfg, clip, seed + k);
            Generation.transfusion(sampler, request, tokens, tok::decode, codec::decode).doOnNext(event -> {
                switch (event) {
                    case GenerationEvent.DenoisingStep d -> {
                        if (d.step() % 10 == 0 || d.step() == d.steps()) {
                            err.printf("\rimage %d/%d: denoising step %d/%d", sample + 1, samples, d.step(), d.steps());
                            err.flush();
                        }
                    }
                    case GenerationEvent.ImageFinished f -> {
                        if (drawing) {
                            drawn.add(new ImageGrid.Cell(f.image(), prompt));
                        } else {
                            Path file = Path.of("generated-" + (++written[0]) + ".png");
                            try {
                                Png.write(f.image(), file);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                            err.println();
                            out.print("[image: " + file + "]");
                        }
                    }
                    case GenerationEvent.Token tk -> {
                        if (!drawing) {
                            out.print(tk.textDelta());
                            out.flush();
                        }
                    }
                    case GenerationEvent.Finished f -> {
                        if (!drawing) {
                            out.println();
                            out.printf("(%d tokens from %s)%n", f.generated(), loaded.folder());
                        }
                    }
                }
            }).blockLast();
        }
        if (!drawing) {
            return 0;
        }
        err.println();
        Path file = imageOut != null ? imageOut : Path.of("generated.png");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Png.write(drawn.size() == 1 ? drawn.getFirst().image()
                : ImageGrid.render(drawn, Math.min(8, drawn.size()), 2, 2), file);
        double seconds = (System.nanoTime() - started) / 1e9;
        out.printf(java.util.Locale.ROOT, "wrote %d image%s for \"%s\" to %s (%s-%d%s, %.2f images/s, from %s)%n",
                drawn.size(), drawn.size() == 1 ? "" : "s", prompt, file, samplerName.toUpperCase(java.util.Locale.ROOT),
                denoisingSteps, cfg != 1 ? ", cfg " + cfg : "", drawn.size() / seconds, loaded.folder());
        return 0;
    }

    /** {@code --image}, grey promoted to colour when the run's images are, checked against the run's geometry. */
    private Image imageIn(int channels, int side) throws java.io.IOException {
        Image im = Png.read(imageIn);
        if (im.channels() < channels) {
            im = io.fusion4j.eval.data.images.ImageTextDataset.promoted(im);
        }
        if (im.height() != side || im.width() != side || im.channels() != channels) {
            throw new UserInputException("--image " + imageIn + " is " + im.channels() + "x" + im.height() + "x"
                    + im.width() + "; the run's image tokenizer takes " + channels + "x" + side + "x" + side);
        }
        return im;
    }

    private String prompt(boolean given) {
        return given ? prompt : "";
    }

    /**
     * Codes per image from the run's settings when it keeps no tokenizer (its images cannot be drawn). Rows written
     * before the settings recorded it leave it unknown: then the whole context, so no image ever fits and the
     * generator never begins one (it would otherwise close a one-code "image").
     */
    private static int imageLength(LoadedRun loaded) {
        String s = loaded.mixed().get("image_tokens");
        return s != null ? Integer.parseInt(s) : loaded.context();
    }

    /**
     * Refuses, before any checkpoint is hashed, a model that cannot decode one token at a time and has no auxiliary
     * routers to make it causal: the run's model does not change between its checkpoints, so the newest one's config
     * says. An unreadable config is left to the checkpoint loop, which skips bad checkpoints loudly.
     */
    private void refuseNonCausal(Models models, Path newest) {
        RunConfig cfg;
        try {
            cfg = ConfigJson.read(newest.resolve("config.json"));
        } catch (RuntimeException | java.io.IOException e) {
            return;
        }
        String why = models.builder(cfg.model()).whyNotCausal(cfg.model());
        if (why != null && !AuxiliaryRouterFiles.present(run)) {
            throw new UserInputException(newest.resolve("config.json") + ": this " + cfg.model().kind()
                    + " model cannot generate token by token because " + why + ", and " + run + " holds no causal"
                    + " auxiliary routers (MoMa §3.2) to decide instead; train them with `fusion4j train-aux-routers"
                    + " --run " + run + "`");
        }
    }
}
