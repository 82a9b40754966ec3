package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.BatchSource;
import io.fusion4j.api.data.ContinuousImageCodec;
import io.fusion4j.api.data.DataPosition;
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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The data of a run whose model reads images as continuous patches (Transfusion): image–caption pairs of a dataset
 * and text documents laid out by {@link MixedSequenceSource} with Transfusion's mix (80% caption first, 1:1 text to
 * image tokens, a share of captions dropped for guidance), built batch by batch as training reads them (patch vectors
 * do not fit pre-tokenized rows). The order is a pure function of the seed and the data position, so resume needs
 * nothing more than the trainer's saved position.
 */
final class ContinuousRunData {
    private final ImageTextOptions options;
    private final ImageTextDataset data;
    private final ByteBpeTokenizer tok;
    private final Vocabulary vocabulary;
    private final ContinuousImageCodec codec;
    private final long seed;
    private final double captionDrop;

    private ContinuousRunData(ImageTextOptions options, ImageTextDataset data, ByteBpeTokenizer tok,
                              ContinuousImageCodec codec, long seed, double captionDrop) {
        this.options = options;
        this.data = data;
        this.tok = tok;
        this.vocabulary = Vocabulary.of(tok.vocabSize(), 0);
        this.codec = codec;
        this.seed = seed;
        this.captionDrop = captionDrop;
    }

    /** Opens the dataset and makes the text tokenizer and the pixel patches of {@code patch × patch} pixels. */
    static ContinuousRunData open(ImageTextOptions options, String tokenizer, int patch, long seed, double captionDrop)
            throws IOException {
        if (!tokenizer.equals("pixels")) {
            throw new UserInputException("--image-tokenizer " + tokenizer + ": a model on continuous patches takes"
                    + " pixels (a VAE tokenizer comes with a later issue)");
        }
        ImageTextDataset data = options.open(seed);
        if (data.size(ImageTextDataset.Split.TRAIN) == 0) {
            throw new UserInputException("--dataset " + options.dataset + " has no training examples");
        }
        var first = data.get(ImageTextDataset.Split.TRAIN, 0).image();
        if (first.height() != first.width() || first.height() % patch != 0) {
            throw new UserInputException("--patch-size " + patch + " must divide the side of " + options.dataset
                    + "'s square images, found " + first.height() + "x" + first.width());
        }
        return new ContinuousRunData(options, data, options.textTokenizer(data),
                new PixelPatches(patch, first.channels(), first.height()), seed, captionDrop);
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
        int cell = ((PixelPatches) codec).cell();
        CaptionedPairs pairs = new CaptionedPairs(data, split, tok, codec.channels(), cell, cfg.seqLen(), seed);
        return new MixedSequenceSource(vocabulary, codec, pairs, options.texts(tok, split),
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
        String desc = options.dataset + " pixels patch=" + ((PixelPatches) codec).cell() + " text=" + options.text
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
        m.put("image_tokenizer", "pixels");
        m.put("patch_size", Integer.toString(((PixelPatches) codec).cell()));
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
