package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.RunLock;
import io.fusion4j.api.io.StrictJson;
import io.fusion4j.api.train.LossTerm;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.api.train.TrainEvent;
import io.fusion4j.api.train.Trainer;
import io.fusion4j.eval.data.images.ImageBatches;
import io.fusion4j.eval.data.images.ImageTextDataset;
import io.fusion4j.moma.vq.ImageBatch;
import io.fusion4j.moma.vq.Reconstruction;
import io.fusion4j.moma.vq.VqAutoencoder;
import io.fusion4j.moma.vq.VqConfig;
import io.fusion4j.moma.vq.VqImageTokenizer;
import io.fusion4j.moma.vq.VqObjective;
import io.fusion4j.transfusion.vae.VaeAutoencoder;
import io.fusion4j.transfusion.vae.VaeConfig;
import io.fusion4j.transfusion.vae.VaeImageTokenizer;
import io.fusion4j.transfusion.vae.VaeObjective;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.train.Objective;
import io.fusion4j.api.train.StepLosses;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code fusion4j tokenizer train}: trains a VQ image tokenizer with the shared {@link Trainer} (checkpoints,
 * {@code metrics.jsonl}, bit-exact {@code --resume}), then writes {@code tokenizer.json} and
 * {@code tokenizer.safetensors} into {@code --out}.
 */
@Command(name = "train", description = "Train an image tokenizer (a VQ autoencoder or a patch VAE) on a dataset; checkpoints in --out,"
        + " the finished tokenizer in --out/tokenizer.json and tokenizer.safetensors.")
final class TokenizerTrainCommand implements Callable<Integer> {
    /** What a resumed run must share with the run it continues; a run file of every checkpoint. */
    static final String RUN_FILE = "tokenizer_run.json";

    @Spec
    CommandSpec spec;

    @Option(names = "--kind", defaultValue = "vq", description = "vq (discrete codes, for MoMa) or vae (continuous"
            + " latents, for Transfusion) (default: ${DEFAULT-VALUE}).")
    String kind;

    @Mixin
    TokenizerDatasetOptions dataset;

    @Option(names = "--codes", defaultValue = "1024", description = "Codebook size, 256 to 4096 (default: ${DEFAULT-VALUE}).")
    int codes;

    @Option(names = "--latent-channels", defaultValue = "4", description = "--kind vae: latent channels, 1 to 16"
            + " (default: ${DEFAULT-VALUE}).")
    int latentChannels;

    @Option(names = "--kl-weight", defaultValue = "1e-4", description = "--kind vae: weight of the KL term on"
            + " per-element means (default: ${DEFAULT-VALUE}; decision 0024).")
    float klWeight;

    @Option(names = "--downsample", defaultValue = "4", description = "Image side / code grid side: 2, 4 or 8"
            + " (default: ${DEFAULT-VALUE}, 32x32 to 8x8).")
    int downsample;

    @Option(names = "--out", required = true, description = "Run folder: checkpoints, metrics.jsonl and the tokenizer.")
    Path out;

    @Option(names = "--steps", defaultValue = "600", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--batch", defaultValue = "32", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "2e-3", description = "Peak AdamW learning rate, cosine to a tenth"
            + " (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the weights, the data order and the restarts"
            + " (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint-every", defaultValue = "200", description = "Steps between checkpoints (default:"
            + " ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue from the newest good checkpoint in --out.")
    boolean resume;

    @Mixin
    BackendChoice backendChoice;

    @Override
    public Integer call() throws Exception {
        if (!kind.equals(VqConfig.KIND) && !kind.equals(VaeConfig.KIND)) {
            throw new UserInputException("--kind " + kind + ": expected vq or vae");
        }
        if (latentChannels < 1 || latentChannels > 16 || !(klWeight >= 0)) {
            throw new UserInputException("--latent-channels must be in [1, 16] and --kl-weight >= 0, found "
                    + latentChannels + " and " + klWeight);
        }
        if (codes < 256 || codes > 4096) {
            throw new UserInputException("--codes must be in [256, 4096], found " + codes);
        }
        if (downsample != 2 && downsample != 4 && downsample != 8) {
            throw new UserInputException("--downsample must be 2, 4 or 8, found " + downsample);
        }
        if (steps < 1 || batch < 1 || !(lr > 0) || checkpointEvery < 1) {
            throw new UserInputException("--steps, --batch and --checkpoint-every must be >= 1 and --lr > 0, found "
                    + steps + ", " + batch + ", " + checkpointEvery + " and " + lr);
        }
        try (RunLock lock = RunLock.acquire(out)) {
            return train();
        }
    }

    private int train() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        CheckpointStore probe = new CheckpointStore(out, 3);
        if (!resume && !probe.checkpoints().isEmpty()) {
            throw new UserInputException("--out " + out + " already holds checkpoints; pass --resume to continue"
                    + " or choose another --out (a good checkpoint is never overwritten by a new run)");
        }
        ImageTextDataset data = dataset.open(false);
        Image first = data.get(ImageTextDataset.Split.TRAIN, 0).image();
        if (first.height() != first.width() || first.height() % downsample != 0) {
            throw new UserInputException("--dataset " + dataset.name + ": images are " + first.width() + "x"
                    + first.height() + "; the tokenizer needs square images whose side is a multiple of --downsample "
                    + downsample);
        }
        boolean vae = kind.equals(VaeConfig.KIND);
        VqConfig vq = vqConfig(first.channels(), first.height());
        VaeConfig vaeConfig = new VaeConfig(first.channels(), first.height(), downsample, vq.widths(), latentChannels,
                klWeight, vq.normEps(), 0f, 1f, 1f);
        String tokenizerJson = vae ? vaeConfig.toJson() : vq.toJson();
        String runJson = runJson(tokenizerJson);
        if (resume) {
            checkSameRun(probe, runJson);
        }
        TrainConfig cfg = new TrainConfig(batch, 1, steps, lr, lr / 10, Math.min(50, steps / 10), 0f, 1.0,
                0.9f, 0.99f, 1e-8f, seed, checkpointEvery, 3, 1, (int) Math.min(100, steps), 2);
        List<ImageBatch> held = heldOut(data);
        CheckpointStore store = new CheckpointStore(out, cfg.keep()).include(RUN_FILE,
                runJson.getBytes(StandardCharsets.UTF_8));
        o.printf("data: %s, %,d training images of %dx%dx%d; tokenizer: %s%n", data.name(),
                data.size(ImageTextDataset.Split.TRAIN), first.channels(), first.height(), first.width(), vae
                        ? String.format("VAE, %dx%dx%d latent, KL weight %s", latentChannels, vaeConfig.grid(),
                        vaeConfig.grid(), klWeight)
                        : String.format("%d codes of %d, %dx%d grid (%d tokens)", vq.codes(), vq.codeDim(), vq.grid(),
                        vq.grid(), vq.tokensPerImage()));
        try (Backend backend = backendChoice.create()) {
            Kind k = vae ? new VaeKind(new VaeAutoencoder(vaeConfig).allocate(backend, seed), backend, data)
                    : new VqKind(new VqAutoencoder(vq).allocate(backend, seed), backend, data);
            Trainer<ImageBatch> trainer = new Trainer<>(backend, k.parameters(), k.objective(),
                    ImageBatches.source(data, batch, seed, false), held, cfg, store, tokenizerJson);
            boolean[] interrupted = {false};
            Progress progress = new Progress(o, System.console() != null, k);
            try (StopOnShutdown _ = StopOnShutdown.install(trainer)) {
                trainer.run(resume, e -> {
                    if (e instanceof TrainEvent.Finished f) {
                        interrupted[0] = f.interrupted();
                    }
                    progress.accept(e);
                });
                if (!interrupted[0]) {
                    k.finish(out, o);
                }
            }
            return 0;
        }
    }

    /** What differs between the tokenizer kinds: the model, its loss, its progress terms and its finished files. */
    private abstract static class Kind {
        final Parameters parameters;
        final Objective<ImageBatch> objective;
        final Backend backend;
        final ImageTextDataset data;

        Kind(Parameters parameters, Objective<ImageBatch> objective, Backend backend, ImageTextDataset data) {
            this.parameters = parameters;
            this.objective = objective;
            this.backend = backend;
            this.data = data;
        }

        Parameters parameters() {
            return parameters;
        }

        Objective<ImageBatch> objective() {
            return objective;
        }

        /** The loss terms and metrics of a step or validation, for the progress line. */
        abstract String terms(StepLosses losses);

        /** Writes the finished tokenizer into {@code out} and reports it on validation images. */
        abstract void finish(Path out, PrintWriter o) throws java.io.IOException;

        /** Reports the tokenizer files written into {@code out}. */
        static void reportWritten(Path out, PrintWriter o) {
            o.printf("wrote %s and %s%n", out.resolve("tokenizer.json"), out.resolve("tokenizer.safetensors"));
        }
    }

    private static final class VqKind extends Kind {
        private final VqAutoencoder model;

        VqKind(VqAutoencoder model, Backend backend, ImageTextDataset data) {
            super(model.parameters(), new VqObjective(model), backend, data);
            this.model = model;
        }

        @Override
        String terms(StepLosses l) {
            return String.format("recon %.5f  commit %.5f  perplexity %.1f  codes %d  restarts %d",
                    Progress.term(l.term(VqObjective.RECON)), Progress.term(l.term(VqObjective.COMMIT)),
                    Progress.metric(l.metrics(), "perplexity"), Math.round(Progress.metric(l.metrics(), "codes_used")),
                    Math.round(Progress.metric(l.metrics(), "restarts")));
        }

        @Override
        void finish(Path out, PrintWriter o) throws java.io.IOException {
            VqImageTokenizer tokenizer = new VqImageTokenizer(model, backend);
            tokenizer.save(out);
            Reconstruction r = Reconstruction.of(tokenizer, validationImages(data, 256));
            reportWritten(out, o);
            o.printf("validation (%d images): recon MSE %.5f, %d of %d codes used, perplexity %.1f%n",
                    r.originals().size(), r.mse(), r.codesUsed(), model.config().codes(), r.perplexity());
        }
    }

    private static final class VaeKind extends Kind {
        /** Training images the latent scale is measured on. */
        static final int SCALE_SAMPLE = 1024;
        private final VaeAutoencoder model;

        VaeKind(VaeAutoencoder model, Backend backend, ImageTextDataset data) {
            super(model.parameters(), new VaeObjective(model), backend, data);
            this.model = model;
        }

        @Override
        String terms(StepLosses l) {
            return String.format("recon %.5f  kl %.4f  sigma %.3f", Progress.term(l.term(VaeObjective.RECON)),
                    Progress.term(l.term(VaeObjective.KL)), Progress.metric(l.metrics(), "sigma"));
        }

        @Override
        void finish(Path out, PrintWriter o) throws java.io.IOException {
            List<Image> sample = images(data, ImageTextDataset.Split.TRAIN, SCALE_SAMPLE);
            int n = sample.size();
            VaeImageTokenizer tokenizer = new VaeImageTokenizer(model, model.config(), backend, 1).measured(sample);
            tokenizer.save(out);
            List<Image> images = validationImages(data, 256);
            double mse = Reconstruction.mse(images, tokenizer.decodeAll(tokenizer.encodeAll(images)));
            VaeConfig c = tokenizer.config();
            reportWritten(out, o);
            o.printf("latent over %d training images: shift %.4f, scale %.4f (1/std), range %.2f%n", n, c.shift(),
                    c.scale(), c.range());
            o.printf("validation (%d images): recon MSE %.5f%n", images.size(), mse);
        }
    }

    private VqConfig vqConfig(int channels, int side) {
        VqConfig d = VqConfig.defaults();
        int levels = Integer.numberOfTrailingZeros(downsample);
        List<Integer> widths = new ArrayList<>();
        for (int l = 0; l <= levels; l++) {
            widths.add(d.widths().get(Math.min(l, d.widths().size() - 1)));
        }
        return new VqConfig(channels, side, downsample, widths, d.codeDim(), codes, d.beta(), d.emaDecay(),
                d.deadBelow(), d.normEps());
    }

    /** The settings a resumed run must keep to be the same run. */
    private String runJson(String tokenizerJson) {
        return "{\"dataset\": " + StrictJson.quote(dataset.name) + ", \"size\": " + (dataset.size == null ? 32 : dataset.size) + ", \"steps\": "
                + steps + ", \"batch\": " + batch + ", \"lr\": \"" + lr + "\", \"seed\": \"" + seed
                + "\", \"tokenizer\": " + StrictJson.quote(tokenizerJson) + "}\n";
    }

    /** Refuses to resume a run with other settings, listing what differs. */
    private void checkSameRun(CheckpointStore store, String runJson) throws java.io.IOException {
        String saved = store.latest(folder -> {
            CheckpointStore.verify(folder);
            Path f = folder.resolve(RUN_FILE);
            if (!Files.isRegularFile(f)) {
                throw new UserInputException(folder + " holds no " + RUN_FILE + ": not a tokenizer run");
            }
            return Files.readString(f);
        }, w -> spec.commandLine().getOut().println("WARNING: " + w));
        if (saved == null) {
            return;
        }
        Map<String, Object> was = StrictJson.parseObject(saved, RUN_FILE);
        Map<String, Object> now = StrictJson.parseObject(runJson, RUN_FILE);
        List<String> changes = new ArrayList<>();
        for (String k : now.keySet()) {
            if (!now.get(k).equals(was.get(k))) {
                changes.add(k.equals("tokenizer") ? "tokenizer config (--kind, --codes, --downsample, --latent-channels, --kl-weight or the images)"
                        : k + " " + was.get(k) + " → " + now.get(k));
            }
        }
        if (!changes.isEmpty()) {
            throw new UserInputException("--resume: the options change the run in " + out + ": "
                    + String.join("; ", changes) + "; give the options it was started with");
        }
    }

    private List<ImageBatch> heldOut(ImageTextDataset data) {
        List<Image> images = validationImages(data, 2 * batch);
        if (images.size() < 2 * batch) {
            return List.of();
        }
        return List.of(new ImageBatch(images.subList(0, batch), io.fusion4j.api.data.DataPosition.START),
                new ImageBatch(images.subList(batch, 2 * batch), io.fusion4j.api.data.DataPosition.START));
    }

    static List<Image> validationImages(ImageTextDataset data, int n) {
        return images(data, ImageTextDataset.Split.VALIDATION, n);
    }

    /** The first {@code n} images of {@code split}, or all it has when fewer. */
    private static List<Image> images(ImageTextDataset data, ImageTextDataset.Split split, int n) {
        int count = Math.min(n, data.size(split));
        List<Image> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(data.get(split, i).image());
        }
        return out;
    }

    /** The progress lines of a tokenizer run: the kind's loss terms and metrics, and the time per step. */
    private static final class Progress extends TrainProgress {
        private final Kind kind;

        Progress(PrintWriter out, boolean tty, Kind kind) {
            super(out, tty);
            this.kind = kind;
        }

        @Override
        String step(TrainEvent.Step s, long eta) {
            return String.format("step %d/%d  %s  %.2f s/step  ETA %d:%02d", s.step(), s.totalSteps(),
                    kind.terms(s.losses()), s.seconds(), eta / 60, eta % 60);
        }

        @Override
        String validation(TrainEvent.Validation v) {
            return kind.terms(v.losses());
        }

        static double term(LossTerm t) {
            return t == null ? Double.NaN : t.value();
        }

        static double metric(Map<String, Double> m, String name) {
            return m.getOrDefault(name, Double.NaN);
        }
    }
}
