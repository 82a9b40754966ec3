package io.fusion4j.eval.generate;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.ContinuousImageCodec;
import io.fusion4j.api.data.DiscreteImageCodec;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.NameMapping;
import io.fusion4j.api.io.Strictness;
import io.fusion4j.api.io.WeightLoader;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.api.text.ByteBpeTokenizer;
import io.fusion4j.eval.config.ConfigJson;
import io.fusion4j.eval.config.RunConfig;
import io.fusion4j.eval.data.ImageCodecs;
import io.fusion4j.eval.data.MixedVocabulary;
import io.fusion4j.eval.data.TextCorpus;
import io.fusion4j.eval.models.AuxiliaryRouterFiles;
import io.fusion4j.eval.models.Models;
import io.fusion4j.moma.auxiliary.AuxiliaryRouters;
import io.fusion4j.transfusion.PixelPatches;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A run's newest checkpoint that verifies, ready to generate from: the decoder with its weights, the text tokenizer,
 * the trained context, and for a run on image–caption data its vocabulary layout ({@code mixed.json}), its image
 * tokenizer (discrete codes) or patch codec (Transfusion's pixels or VAE latents), and how expert choice decides
 * membership token by token (the run's auxiliary routers, when it has them). What {@code generate} and the evaluation
 * suite both load.
 *
 * @param mixed      the run's {@code mixed.json} settings (empty for a text run)
 * @param codec      the discrete image tokenizer, or null (text runs, Transfusion runs, runs that keep none)
 * @param continuous the patch codec of a Transfusion run, or null
 */
public record LoadedRun(Path run, Path folder, RunConfig config, Decoder decoder, ByteBpeTokenizer tokenizer,
                        int context, Vocabulary vocabulary, Map<String, String> mixed, DiscreteImageCodec codec,
                        ContinuousImageCodec continuous, RoutingMode routing) {
    /** The file beside each checkpoint that holds a mixed-modal run's vocabulary layout. */
    public static final String MIXED_FILE = "mixed.json";

    /**
     * Loads the newest verified checkpoint of {@code run} onto {@code backend}; bad checkpoints are skipped, each with
     * a warning. {@code allowNonFinite} loads weights holding NaN or Inf (to inspect a diverged run).
     */
    public static LoadedRun load(Path run, Backend backend, Models models, boolean allowNonFinite,
                                 Consumer<String> warnings) throws IOException {
        LoadedRun loaded = loadBatchRouted(run, backend, models, allowNonFinite, warnings);
        AuxiliaryRouters aux = AuxiliaryRouters.of(loaded.decoder());
        if (aux.isEmpty()) {
            return loaded;
        }
        // Expert choice or MoD: membership from the run's auxiliary routers, trained for this very checkpoint.
        aux.parameters().allocate(backend, 0);
        AuxiliaryRouterFiles.load(run, loaded.folder().getFileName().toString(), aux, backend);
        return new LoadedRun(run, loaded.folder(), loaded.config(), loaded.decoder(), loaded.tokenizer(),
                loaded.context(), loaded.vocabulary(), loaded.mixed(), loaded.codec(), loaded.continuous(),
                RoutingMode.causal(aux));
    }

    /**
     * As {@link #load}, but with the training-time (batch) routing whatever the model routes: for measuring a model on
     * whole batches ({@code inspect-routing}), not for generating; no auxiliary routers are needed.
     */
    public static LoadedRun loadBatchRouted(Path run, Backend backend, Models models, boolean allowNonFinite,
                                            Consumer<String> warnings) throws IOException {
        if (!Files.isDirectory(run)) {
            throw new UserInputException("--run " + run + ": no such folder" + (Files.exists(run) ? " (it is a file)" : ""));
        }
        CheckpointStore store = new CheckpointStore(run, 2);
        if (store.checkpoints().isEmpty()) {
            throw new UserInputException("--run " + run + " has no checkpoint; train into it first");
        }
        // Verified once here: its files are then read as they are (the manifest check hashes every one).
        LoadedRun loaded = store.latest(folder -> {
            CheckpointStore.verify(folder);
            RunConfig cfg = ConfigJson.read(folder.resolve("config.json"));
            Decoder d = models.builder(cfg.model()).decoder(cfg.model());
            d.parameters().allocate(backend, 0);
            // Weights only: generation needs no optimizer moments.
            WeightLoader.load(folder.resolve("model.safetensors"), backend, d.parameters(), NameMapping.identity(),
                    Strictness.STRICT, allowNonFinite);
            // The checkpoint's own tokenizer; the run folder's for checkpoints written before they held one.
            Path own = folder.resolve(TextCorpus.TOKENIZER_FILE);
            Path tokFile = Files.isRegularFile(own) ? own : run.resolve(TextCorpus.TOKENIZER_FILE);
            if (!Files.exists(tokFile)) {
                throw new UserInputException(folder + " holds no " + TextCorpus.TOKENIZER_FILE + " and neither does "
                        + run);
            }
            Path mixedFile = folder.resolve(MIXED_FILE);
            Vocabulary vocab = null;
            Map<String, String> mixed = Map.of();
            DiscreteImageCodec codec = null;
            ContinuousImageCodec continuous = null;
            if (Files.isRegularFile(mixedFile)) {
                mixed = MixedVocabulary.settings(mixedFile);
                vocab = MixedVocabulary.vocabulary(mixed, mixedFile);
                Path images = run.resolve(ImageCodecs.RUN_FOLDER);
                if ("transfusion".equals(mixed.get("layout")) && vocab.imageCodes() == 0) {
                    continuous = continuousCodec(run, mixed, backend);
                } else if (Files.isDirectory(images)) {
                    codec = ImageCodecs.load(images, backend);
                    if (codec.codebookSize() != vocab.imageCodes()) {
                        throw new UserInputException(images + " has " + codec.codebookSize() + " codes, but the"
                                + " run's vocabulary (" + mixedFile + ") has " + vocab.imageCodes());
                    }
                }
            }
            return new LoadedRun(run, folder, cfg, d, ByteBpeTokenizer.load(tokFile), cfg.train().seqLen(), vocab,
                    mixed, codec, continuous, RoutingMode.BATCH);
        }, w -> warnings.accept(w));
        return loaded;
    }

    /** A Transfusion run's patches: its copy of the VAE (latents), or pixels in [−1, 1]. */
    private static ContinuousImageCodec continuousCodec(Path run, Map<String, String> m, Backend backend)
            throws IOException {
        int patch = Integer.parseInt(m.get("patch_size"));
        if ("vae".equals(m.get("image_tokenizer"))) {
            return ImageCodecs.loadContinuous(run.resolve(ImageCodecs.RUN_FOLDER), backend, patch);
        }
        return new PixelPatches(patch, Integer.parseInt(m.get("channels")), Integer.parseInt(m.get("side")));
    }

    /** Whether the run trained on image–caption data with Transfusion's continuous patches. */
    public boolean transfusion() {
        return continuous != null;
    }

    /** The bound the sampler clamps clean estimates to: the VAE's measured latent range, or 1 for pixels. */
    public double clip() {
        return continuous instanceof io.fusion4j.transfusion.vae.VaeImageTokenizer t ? t.latentRange() : 1.0;
    }
}
