package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.GridImageTokenizer;
import io.fusion4j.api.data.MixedSequenceSource;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.text.ByteBpeTokenizer;
import io.fusion4j.eval.data.BuiltinCorpus;
import io.fusion4j.eval.data.MixedTokenRows;
import io.fusion4j.eval.data.TextSource;
import io.fusion4j.eval.data.fetch.DatasetCache;
import io.fusion4j.eval.data.images.CaptionedPairs;
import io.fusion4j.eval.data.images.Datasets;
import io.fusion4j.eval.data.images.ImageTextDataset;
import io.fusion4j.eval.data.shapes.ShapesWorld;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code fusion4j data tokenize}: mixed image–text rows for {@code train --tokens}, laid out the way MoMa trains
 * (decision 0020). Image–caption pairs of a dataset split and text documents go through {@link MixedSequenceSource}
 * with {@link MixedSequenceSource.Options#moma} (half the pairs caption first, text matched 1:1 to image tokens);
 * images become the discrete codes of {@link GridImageTokenizer}, captions and text the ids of a byte-level BPE
 * trained on the training split's captions, whichever split is written, so a training and a held-out file made with
 * the same dataset options share one vocabulary.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Write mixed image-text training rows"
        + " (tokens and modality, [N, T+1]) for 'fusion4j train --tokens', laid out as MoMa trains: BOS caption BOI"
        + " <image> EOI EOS or image first, with text documents mixed in 1:1.")
final class DataTokenizeCommand implements Callable<Integer> {
    /** Training examples whose captions train the text tokenizer. */
    static final int TOKENIZER_SAMPLE = 2048;
    /** The largest image codebook: every code is an embedding row and an output of the model. */
    static final int MAX_CODES = 65_536;

    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", defaultValue = "shapes", description = "shapes, mnist, emoji (fetched first) or a"
            + " folder of PNGs with captions.tsv (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--split", defaultValue = "train", description = "train, or held-out: the dataset's validation"
            + " examples (shapes' validation scenes, the held-out tenth of the others), which no training file shares"
            + " (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--rows", defaultValue = "2048", description = "Rows N to write (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--length", defaultValue = "128", description = "Positions T a row trains; rows hold T+1 ids"
            + " (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--seed", defaultValue = "0", description = "The data order (pairs, captions, layout) and, for"
            + " shapes, the world's seed; give both splits the same (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The safetensors file to write"
            + " (written whole or not at all).")
    Path out;

    @Option(names = "--vocab-text", defaultValue = "512", description = "Text BPE vocabulary: 256 bytes plus merges"
            + " learned from the training split's captions (fewer when they run out) (default: ${DEFAULT-VALUE}).")
    int vocabText;

    @Option(names = "--text", defaultValue = "builtin", description = "Text documents mixed in: builtin (the built-in"
            + " corpus; its held-out part for --split held-out), a UTF-8 text file or folder of .txt files (every tenth"
            + " document held out)"
            + " (documents separated by blank lines), or none (default: ${DEFAULT-VALUE}).")
    String text;

    @Option(names = "--cell", defaultValue = "4", description = "Grid image tokenizer: one code per cell x cell pixels"
            + " (default: ${DEFAULT-VALUE}).")
    int cell;

    @Option(names = "--levels", description = "Grid image tokenizer: steps per channel of a cell's mean colour, codes"
            + " = levels^channels (default: 4 for colour images, 64 for grey: 64 codes).")
    Integer levels;

    @Option(names = "--size", defaultValue = "32", description = "shapes: image side, 16 to 64 pixels (default:"
            + " ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--hold-out", split = ",", description = "shapes: colour/shape pairs kept out of every split, e.g."
            + " red/triangle,blue/ring.")
    List<String> holdOut;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Where fetched datasets are (default: $XDG_CACHE_HOME/fusion4j, else ~/.cache/fusion4j).")
    Path cache;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ImageTextDataset.Split which = switch (split) {
            case "train" -> ImageTextDataset.Split.TRAIN;
            case "held-out" -> ImageTextDataset.Split.VALIDATION;
            default -> throw new UserInputException("--split: expected train or held-out, found " + split);
        };
        if (rows < 1) {
            throw new UserInputException("--rows must be >= 1, found " + rows);
        }
        if (length < 2) {
            throw new UserInputException("--length must be >= 2, found " + length);
        }
        if ((long) rows * (length + 1) > Integer.MAX_VALUE - 8) {
            throw new UserInputException("--rows " + rows + " of --length " + length + " make " + (long) rows * (length
                    + 1) + " ids; at most " + (Integer.MAX_VALUE - 8) + " fit one file");
        }
        if (vocabText < 256 || vocabText > 65_536) {
            throw new UserInputException("--vocab-text must be in [256, 65536] (256 byte ids plus merges), found "
                    + vocabText);
        }
        if (cell < 1) {
            throw new UserInputException("--cell must be >= 1 pixel, found " + cell);
        }
        if (levels != null && (levels < 2 || levels > 256)) {
            throw new UserInputException("--levels must be in [2, 256], found " + levels);
        }
        if (Files.isDirectory(out)) {
            throw new UserInputException("--out " + out + " is a folder; expected the file to write");
        }
        if (!dataset.equals("shapes") && (holdOut != null
                || spec.commandLine().getParseResult().hasMatchedOption("--size"))) {
            throw new UserInputException("--size and --hold-out apply to --dataset shapes only, found --dataset "
                    + dataset);
        }
        if (size < 16 || size > 64) {
            throw new UserInputException("--size must be in [16, 64] pixels, found " + size);
        }

        ImageTextDataset data = open();
        int trainSize = data.size(ImageTextDataset.Split.TRAIN);
        if (trainSize == 0) {
            throw new UserInputException("--dataset " + dataset + " has no training examples (its tokenizer and image"
                    + " codebook come from them)");
        }
        if (data.size(which) == 0) {
            throw new UserInputException("--split " + split + ": --dataset " + dataset + " has no " + split
                    + " examples (the held-out tenth of " + trainSize + " is empty)");
        }
        // The codebook and the text tokenizer come from the training split alone, so both splits agree.
        int channels = data.get(ImageTextDataset.Split.TRAIN, 0).image().channels();
        int steps = levels != null ? levels : channels == 1 ? 64 : 4;
        long codes = 1;
        for (int c = 0; c < channels; c++) {
            codes *= steps;
        }
        if (codes > MAX_CODES) {
            throw new UserInputException("--levels " + steps + " over " + channels + " channels make " + codes
                    + " image codes; at most " + MAX_CODES);
        }
        GridImageTokenizer grid = GridImageTokenizer.discrete(cell, steps);
        ByteBpeTokenizer tok = ByteBpeTokenizer.train(CaptionedPairs.trainingCaptions(data, TOKENIZER_SAMPLE),
                vocabText - 256, List.of());
        Vocabulary vocab = Vocabulary.of(tok.vocabSize(), (int) codes);
        List<int[]> texts = texts(tok, which);
        CaptionedPairs pairs = new CaptionedPairs(data, which, tok, channels, cell, length, seed);
        MixedSequenceSource source = new MixedSequenceSource(vocab, grid::encode, pairs, texts,
                MixedSequenceSource.Options.moma(MixedTokenRows.BATCH_ROWS, length + 1, seed));
        long started = System.nanoTime();
        long[] shown = {started};
        MixedTokenRows.Rows built = MixedTokenRows.build(source, vocab, rows, length, done -> {
            long now = System.nanoTime();
            if (now - shown[0] > 2_000_000_000L && done < rows) {
                shown[0] = now;
                err.printf("fusion4j: %,d of %,d rows...%n", done, rows);
                err.flush();
            }
        });
        MixedTokenRows.write(built, metadata(vocab, tok, channels, steps, built), out);

        double epochs = (double) built.documents() / built.documentsPerEpoch();
        o.printf(Locale.ROOT, "wrote %,d rows of %d (+1) to %s: vocab %d (text %d, BOS/EOS/BOI/EOI %d-%d, %d image"
                        + " codes from %d); tokens text %.1f%% : image %.1f%%; %,d documents of %s %s (%s); %.1f%%"
                        + " of positions repeat the next row's start (for padding)%n",
                rows, length, out, vocab.size(), vocab.textSize(), vocab.bos(), vocab.eoi(), vocab.imageCodes(),
                vocab.imageOffset(), 100 * built.textShare(), 100 * (1 - built.textShare()), built.documents(),
                dataset, split, epochs >= 1 ? String.format(Locale.ROOT, "%.2f epochs", epochs)
                        : String.format(Locale.ROOT, "%.2f%% of an epoch", 100 * epochs),
                100.0 * built.repeated() / ((long) rows * (length + 1)));
        return 0;
    }

    private ImageTextDataset open() throws java.io.IOException {
        ShapesWorld world = new ShapesWorld(size, seed, DataShowCommand.combos(holdOut));
        Path root = DatasetCache.rootFor(cache);
        try {
            return Datasets.open(dataset, world, new DatasetCache(root), false);
        } catch (UserInputException e) {
            throw new UserInputException("--dataset: " + e.getMessage(), e);
        }
    }

    /** The text documents, each a list of text ids (the source adds BOS and EOS), encoded when read. */
    private List<int[]> texts(ByteBpeTokenizer tok, ImageTextDataset.Split which) throws java.io.IOException {
        String all = switch (text) {
            case "none" -> "";
            case "builtin" -> which == ImageTextDataset.Split.TRAIN ? BuiltinCorpus.training()
                    : BuiltinCorpus.heldOut();
            default -> {
                try {
                    yield TextSource.read(text);
                } catch (UserInputException e) {
                    throw new UserInputException(e.getMessage().replaceFirst("^--data", "--text"), e);
                }
            }
        };
        List<String> docs = new ArrayList<>();
        int index = 0;
        boolean own = !text.equals("none") && !text.equals("builtin");
        for (String d : all.split("\n\n")) {
            if (!d.isBlank()) {
                // A user's text is split like the image datasets: every tenth document is held out, so a held-out
                // file shares no text document with a training file.
                boolean heldOut = index++ % 10 == 9;
                if (!own || heldOut == (which != ImageTextDataset.Split.TRAIN)) {
                    docs.add(d.strip());
                }
            }
        }
        if (docs.isEmpty() && !text.equals("none")) {
            throw new UserInputException("--text " + text + " holds no text" + (own && which != ImageTextDataset.Split.TRAIN
                    ? " for --split held-out (every tenth document, separated by blank lines, is held out; it has "
                    + index + ")" : " (only blank lines)") + "; pass --text none for pairs alone");
        }
        return new TextDocuments(docs, tok);
    }

    /** Documents encoded on demand: the source reads a few for its estimate, then only those it places. */
    private static final class TextDocuments extends AbstractList<int[]> implements java.util.RandomAccess {
        private final List<String> docs;
        private final ByteBpeTokenizer tok;

        TextDocuments(List<String> docs, ByteBpeTokenizer tok) {
            this.docs = docs;
            this.tok = tok;
        }

        @Override
        public int[] get(int index) {
            return tok.encode(docs.get(index));
        }

        @Override
        public int size() {
            return docs.size();
        }
    }

    private Map<String, String> metadata(Vocabulary v, ByteBpeTokenizer tok, int channels, int steps,
                                         MixedTokenRows.Rows built) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("vocab", Integer.toString(v.size()));
        m.put("image_offset", Integer.toString(v.imageOffset()));
        m.put("image_codes", Integer.toString(v.imageCodes()));
        m.put("bos", Integer.toString(v.bos()));
        m.put("eos", Integer.toString(v.eos()));
        m.put("boi", Integer.toString(v.boi()));
        m.put("eoi", Integer.toString(v.eoi()));
        m.put("text_vocab", Integer.toString(v.textSize()));
        m.put("text_tokenizer", tok.text());
        m.put("image_tokenizer", "grid cell=" + cell + " levels=" + steps + " channels=" + channels);
        m.put("layout", "moma");
        m.put("dataset", dataset);
        if (dataset.equals("shapes")) {
            m.put("shapes_size", Integer.toString(size));
            m.put("shapes_hold_out", holdOut == null ? "" : String.join(",", holdOut));
        }
        m.put("split", split);
        m.put("seed", Long.toString(seed));
        m.put("text", text);
        m.put("repeated_positions", Long.toString(built.repeated()));
        return m;
    }
}
