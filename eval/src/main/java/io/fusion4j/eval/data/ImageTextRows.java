package io.fusion4j.eval.data;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.DiscreteImageCodec;
import io.fusion4j.api.data.MixedSequenceSource;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.text.ByteBpeTokenizer;
import io.fusion4j.eval.data.images.CaptionedPairs;
import io.fusion4j.eval.data.images.ImageTextDataset;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Mixed image–text rows of one dataset split, laid out as MoMa trains (half the pairs caption first) or as Transfusion
 * and its Chameleon baseline do (80% caption first), text matched 1:1 to image tokens, images as the codes of a
 * {@link DiscreteImageCodec}, captions and text as ids of a byte-level BPE: what {@code data tokenize} writes and
 * {@code train --dataset} trains on. The vocabulary is text ids, then BOS, EOS, BOI, EOI, then the image codes.
 */
public final class ImageTextRows {
    /** Metadata key of the text tokenizer's JSON in a rows file. */
    public static final String TEXT_TOKENIZER = "text_tokenizer";

    /**
     * How pairs are laid out: the share caption first (MoMa 0.5, Transfusion and its Chameleon baseline 0.8) and
     * the share without a caption (for classifier-free guidance).
     */
    public record Layout(String name, double captionFirst, double captionDrop) {
        public static Layout moma(double captionDrop) {
            return new Layout("moma", 0.5, captionDrop);
        }

        public static Layout transfusion(double captionDrop) {
            return new Layout("transfusion", 0.8, captionDrop);
        }
    }

    /** What a rows file is made of: the vocabulary, its text tokenizer, and the rows. */
    public record Built(Vocabulary vocabulary, ByteBpeTokenizer textTokenizer, int imageTokens, String layout,
                        MixedTokenRows.Rows rows) {
    }

    private ImageTextRows() {
    }

    /**
     * Builds {@code rows} rows of {@code length + 1} ids from {@code split} of {@code data}.
     *
     * @param layout      caption-first and caption-drop shares
     * @param progress    told the number of rows done, now and then
     */
    public static Built build(ImageTextDataset data, ImageTextDataset.Split split, DiscreteImageCodec codec,
                              ByteBpeTokenizer tok, List<int[]> texts, int rows, int length, long seed,
                              Layout layout, IntConsumer progress) {
        int grid = (int) Math.round(Math.sqrt(codec.tokensPerImage()));
        if (grid * grid != codec.tokensPerImage() || codec.side() % grid != 0) {
            throw new IllegalArgumentException("the image tokenizer's " + codec.tokensPerImage() + " codes per "
                    + codec.side() + "-pixel image are not a square grid of cells");
        }
        ImageTextDataset.Sample first = data.get(ImageTextDataset.Split.TRAIN, 0);
        if (first.image().height() != codec.side() || first.image().width() != codec.side()) {
            throw new UserInputException("the image tokenizer encodes " + codec.side() + "x" + codec.side()
                    + " images, but " + data.name() + "'s are " + first.image().height() + "x" + first.image().width()
                    + " (train a tokenizer on this dataset, or give shapes --size " + codec.side() + ")");
        }
        Vocabulary vocab = Vocabulary.of(tok.vocabSize(), codec.codebookSize());
        CaptionedPairs pairs = new CaptionedPairs(data, split, tok, codec.channels(), codec.side() / grid, length,
                seed);
        MixedSequenceSource source = new MixedSequenceSource(vocab, codec, pairs, texts,
                new MixedSequenceSource.Options(MixedTokenRows.BATCH_ROWS, length + 1, seed, layout.captionFirst(), 1.0)
                        .withCaptionDrop(layout.captionDrop()));
        return new Built(vocab, tok, codec.tokensPerImage(), layout.name(), MixedTokenRows.build(source, vocab, rows, length, progress));
    }

    /** The vocabulary and tokenizer entries of a rows file's metadata, which generation reads back. */
    public static Map<String, String> metadata(Built b) {
        Vocabulary v = b.vocabulary();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("vocab", Integer.toString(v.size()));
        m.put("image_offset", Integer.toString(v.imageOffset()));
        m.put("image_codes", Integer.toString(v.imageCodes()));
        m.put("bos", Integer.toString(v.bos()));
        m.put("eos", Integer.toString(v.eos()));
        m.put("boi", Integer.toString(v.boi()));
        m.put("eoi", Integer.toString(v.eoi()));
        m.put("text_vocab", Integer.toString(v.textSize()));
        m.put("image_tokens", Integer.toString(b.imageTokens()));
        m.put(TEXT_TOKENIZER, b.textTokenizer().text());
        m.put("layout", b.layout());
        return m;
    }

    /** The vocabulary a rows file's metadata describes, or null when it has none (rows from elsewhere). */
    public static Vocabulary vocabulary(Map<String, String> m, String where) {
        String[] keys = {"text_vocab", "image_offset", "image_codes", "bos", "eos", "boi", "eoi"};
        int[] v = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            String s = m.get(keys[i]);
            if (s == null) {
                return null;
            }
            try {
                v[i] = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new UserInputException(where + ": metadata '" + keys[i] + "' is not an integer: " + s);
            }
        }
        try {
            return new Vocabulary(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(where + ": its vocabulary metadata is inconsistent: " + e.getMessage(), e);
        }
    }
}
