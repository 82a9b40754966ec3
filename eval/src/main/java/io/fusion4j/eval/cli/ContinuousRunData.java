package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.BatchSource;
import io.fusion4j.api.data.ContinuousImageCodec;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.ImageTokenizer;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.MixedSequenceSource;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.text.ByteBpeTokenizer;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.eval.data.DataFingerprint;
import io.fusion4j.eval.data.MixedVocabulary;
import io.fusion4j.eval.data.images.CaptionedPairs;
import io.fusion4j.eval.data.images.ImageTextDataset;
import io.fusion4j.transfusion.PixelPatches;
import io.fusion4j.transfusion.vae.VaeConfig;
import io.fusion4j.transfusion.vae.VaeImageTokenizer;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.eval.data.ImageCodecs;
import io.fusion4j.eval.data.CachedEncodings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The data of a run whose model reads images as continuous patches (Transfusion): image–caption pairs of a dataset
 * and text documents laid out by {@link MixedSequenceSource} with Transfusion's mix (80% caption first, 1:1 text to
 * image tokens, a share of captions dropped for guidance), built batch by batch as training reads them (patch vectors
 * do not fit pre-tokenized rows). The order is a pure function of the seed and the data position, so resume needs
 * nothing more than the trainer's saved position.
 */
final class ContinuousRunData implements AutoCloseable {
    private final ImageTextOptions options;
    private final ImageTextDataset data;
    private final ByteBpeTokenizer tok;
    private final Vocabulary vocabulary;
    private final ContinuousImageCodec codec;
    /** What the sequence builder encodes with: the codec, or a VAE's pre-encoded images. */
    private final ImageTokenizer encoder;
    private final long seed;
    private final double captionDrop;
    /** The VAE folder, or null for pixel patches. */
    private final Path vaeDir;
    private final int patch;
    /** The backend the VAE encodes on, kept for the run (null for pixels). */
    private Backend vaeBackend;

    private ContinuousRunData(ImageTextOptions options, ImageTextDataset data, ByteBpeTokenizer tok,
                              ContinuousImageCodec codec, ImageTokenizer encoder, long seed, double captionDrop,
                              Path vaeDir, int patch) {
        this.options = options;
        this.data = data;
        this.tok = tok;
        this.vocabulary = Vocabulary.of(tok.vocabSize(), 0);
        this.codec = codec;
        this.encoder = encoder;
        this.seed = seed;
        this.captionDrop = captionDrop;
        this.vaeDir = vaeDir;
        this.patch = patch;
    }

    /**
     * Opens the dataset and makes the text tokenizer and the image patches: {@code patch × patch} pixels
     * ({@code tokenizer} = {@code pixels}, default 4) or latent pixels of the VAE in folder {@code tokenizer}
     * (default 2), a smaller default where that does not divide the grid, on a backend from {@code backends}, kept until {@link #close()}: images are encoded as the batches
     * read them, each once.
     */
    static ContinuousRunData open(ImageTextOptions options, String tokenizer, Integer patch, long seed,
                                  double captionDrop, Supplier<Backend> backends) throws IOException {
        boolean pixels = tokenizer.equals("pixels");
        Path dir = pixels ? null : Path.of(tokenizer);
        if (!pixels && !Files.isDirectory(dir)) {
            throw new UserInputException("--image-tokenizer " + tokenizer + ": a model on continuous patches takes"
                    + " pixels or a VAE folder from 'fusion4j tokenizer train --kind vae', and no folder " + dir
                    + " exists");
        }
        ImageTextDataset data = options.open(seed);
        if (data.size(ImageTextDataset.Split.TRAIN) == 0) {
            throw new UserInputException("--dataset " + options.dataset + " has no training examples");
        }
        var first = data.get(ImageTextDataset.Split.TRAIN, 0).image();
        // The default is the largest usual size that divides the grid: 4 for pixels, 2 for latents, less when the
        // side is odd (MNIST's 28 pixels make a 7x7 latent at a quarter of the side).
        int k = patch != null ? patch : ImageCodecs.largestDividing(pixels ? first.height()
                : ImageCodecs.latentGrid(dir), pixels ? 4 : 2);
        if (pixels) {
            if (first.height() != first.width() || first.height() % k != 0) {
                throw new UserInputException("--patch-size " + k + " must divide the side of " + options.dataset
                        + "'s square images, found " + first.height() + "x" + first.width());
            }
            PixelPatches px = new PixelPatches(k, first.channels(), first.height());
            return new ContinuousRunData(options, data, options.textTokenizer(data), px, px, seed, captionDrop, null,
                    k);
        }
        Backend backend = backends.get();
        try {
            VaeImageTokenizer vae = ImageCodecs.loadContinuous(dir, backend, k);
            if (first.height() != vae.side() || first.width() != vae.side()) {
                throw new UserInputException("--image-tokenizer " + dir + " takes " + vae.channels() + "x" + vae.side()
                        + "x" + vae.side() + " images, but " + options.dataset + "'s are " + first.channels() + "x"
                        + first.height() + "x" + first.width());
            }
            ContinuousRunData d = new ContinuousRunData(options, data, options.textTokenizer(data), vae,
                    new CachedEncodings(vae), seed, captionDrop, dir, k);
            d.vaeBackend = backend;
            return d;
        } catch (IOException | RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** Closes the VAE's backend, if the run has one; its codec then encodes nothing more. */
    @Override
    public void close() {
        if (vaeBackend != null) {
            vaeBackend.close();
            vaeBackend = null;
        }
    }

    /** The VAE folder the run encodes with (to copy into the run), or null for pixel patches. */
    Path vaeFolder() {
        return vaeDir;
    }

    Vocabulary vocabulary() {
        return vocabulary;
    }

    ContinuousImageCodec codec() {
        return codec;
    }

    ByteBpeTokenizer textTokenizer() {
        return tok;
    }

    private MixedSequenceSource source(ImageTextDataset.Split split, TrainConfig cfg, double drop) throws IOException {
        // Pixels per patch side: what CaptionedPairs checks the images against.
        int cell = codec.side() / (int) Math.round(Math.sqrt(codec.patchesPerImage()));
        CaptionedPairs pairs = new CaptionedPairs(data, split, tok, codec.channels(), cell, cfg.seqLen(), seed);
        return new MixedSequenceSource(vocabulary, encoder, pairs, options.texts(tok, split),
                MixedSequenceSource.Options.transfusion(cfg.batch(), cfg.seqLen(), seed).withCaptionDrop(drop));
    }

    /** The training batches. */
    BatchSource<MixedBatch> training(TrainConfig cfg) throws IOException {
        return source(ImageTextDataset.Split.TRAIN, cfg, captionDrop);
    }

    /** The fixed held-out batches: the first of the validation split's stream, every caption kept. */
    List<MixedBatch> heldOut(TrainConfig cfg) throws IOException {
        List<MixedBatch> out = new ArrayList<>();
        if (cfg.validateEvery() == 0 || cfg.validationBatches() == 0
                || data.size(ImageTextDataset.Split.VALIDATION) == 0) {
            return out;
        }
        MixedSequenceSource s = source(ImageTextDataset.Split.VALIDATION, cfg, 0);
        DataPosition p = DataPosition.START;
        for (int i = 0; i < cfg.validationBatches(); i++) {
            MixedBatch b = s.batchAt(p);
            out.add(b);
            p = b.position();
        }
        return out;
    }

    /** What identifies the data: the dataset and every option that shapes the stream. */
    DataFingerprint fingerprint() {
        String images = vaeDir == null ? "pixels" : "vae=" + vaeDir.toAbsolutePath().normalize();
        String desc = options.identity() + " " + images + " patch=" + patch + " text=" + options.text
                + " vocab-text=" + options.vocabText + " seed=" + seed + " caption-dropout=" + captionDrop;
        return DataFingerprint.of(desc, tok.encode(desc));
    }

    /** The checkpoint's {@code mixed.json}: the vocabulary layout and the patch geometry generation needs. */
    byte[] mixedJson() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("text_vocab", Integer.toString(vocabulary.textSize()));
        m.put("image_offset", Integer.toString(vocabulary.imageOffset()));
        m.put("image_codes", "0");
        m.put("bos", Integer.toString(vocabulary.bos()));
        m.put("eos", Integer.toString(vocabulary.eos()));
        m.put("boi", Integer.toString(vocabulary.boi()));
        m.put("eoi", Integer.toString(vocabulary.eoi()));
        m.put("image_tokenizer", vaeDir == null ? "pixels" : VaeConfig.KIND);
        m.put("patch_size", Integer.toString(patch));
        m.put("image_tokens", Integer.toString(codec.patchesPerImage()));
        m.put("patch_width", Integer.toString(codec.patchWidth()));
        m.put("channels", Integer.toString(codec.channels()));
        m.put("side", Integer.toString(codec.side()));
        m.put("dataset", options.dataset);
        m.put("caption_dropout", Double.toString(captionDrop));
        m.put("layout", "transfusion");
        return MixedVocabulary.json(m).getBytes(StandardCharsets.UTF_8);
    }
}
