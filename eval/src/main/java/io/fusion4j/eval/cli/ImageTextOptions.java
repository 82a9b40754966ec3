package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.text.ByteBpeTokenizer;
import io.fusion4j.eval.data.BuiltinCorpus;
import io.fusion4j.eval.data.TextSource;
import io.fusion4j.eval.data.fetch.DatasetCache;
import io.fusion4j.eval.data.images.CaptionedPairs;
import io.fusion4j.eval.data.images.Datasets;
import io.fusion4j.eval.data.images.ImageTextDataset;
import io.fusion4j.eval.data.shapes.ShapesWorld;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.RandomAccess;

/**
 * The options that choose image–caption data and the text mixed in with it, shared by {@code data tokenize} and
 * {@code train --dataset}: which dataset, shapes' geometry, where fetched datasets live, the text documents and the
 * size of the text tokenizer learned from the training captions.
 */
final class ImageTextOptions {
    /** Training examples whose captions train the text tokenizer. */
    static final int TOKENIZER_SAMPLE = 2048;

    @Option(names = "--dataset", defaultValue = "shapes", description = "shapes, mnist, emoji (fetched first) or a"
            + " folder of PNGs with captions.tsv (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--vocab-text", defaultValue = "512", description = "Text BPE vocabulary: 256 bytes plus merges"
            + " learned from the training split's captions (fewer when they run out) (default: ${DEFAULT-VALUE}).")
    int vocabText;

    @Option(names = "--text", defaultValue = "builtin", description = "Text documents mixed in: builtin (the built-in"
            + " corpus; its held-out part for held-out rows), a UTF-8 text file or folder of .txt files (every tenth"
            + " document held out) (documents separated by blank lines), or none (default: ${DEFAULT-VALUE}).")
    String text;

    @Option(names = "--size", description = "shapes: image side, 16 to 64 pixels (default: 32); emoji: 64, 32 or 16"
            + " (default: 64).")
    Integer size;

    @Option(names = "--max-objects", defaultValue = "3", description = "shapes: at most this many objects per scene,"
            + " 1 to 3 (default: ${DEFAULT-VALUE}).")
    int maxObjects;

    @Option(names = "--hold-out", split = ",", description = "shapes: colour/shape pairs kept out of every split, e.g."
            + " red/triangle,blue/ring.")
    List<String> holdOut;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Where fetched datasets are (default: $XDG_CACHE_HOME/fusion4j, else ~/.cache/fusion4j).")
    Path cache;

    /** Checks the options against each other; {@code spec} tells which were given. */
    void check(CommandSpec spec) {
        if (vocabText < 256 || vocabText > 65_536) {
            throw new UserInputException("--vocab-text must be in [256, 65536] (256 byte ids plus merges), found "
                    + vocabText);
        }
        if (!dataset.equals("shapes") && (holdOut != null
                || spec.commandLine().getParseResult().hasMatchedOption("--max-objects"))) {
            throw new UserInputException("--max-objects and --hold-out apply to --dataset shapes only, found"
                    + " --dataset " + dataset);
        }
        Datasets.checkSize(dataset, size);
        if (maxObjects < 1 || maxObjects > ShapesWorld.MAX_OBJECTS) {
            throw new UserInputException("--max-objects must be in [1, " + ShapesWorld.MAX_OBJECTS + "], found "
                    + maxObjects);
        }
    }

    /**
     * The dataset as a run's data fingerprint names it: its name, then the options added after fingerprints existed
     * (shapes' max-objects, emoji's size) where they differ from their defaults, so every earlier run keeps the
     * fingerprint it was written with. (Shapes' size and hold-out are not in it; the image geometry the checkpoint
     * records catches a changed size.)
     */
    String identity() {
        StringBuilder b = new StringBuilder(dataset);
        if (dataset.equals("emoji") && size != null && size != 64) {
            b.append(" size=").append(size);
        }
        if (dataset.equals("shapes") && maxObjects != ShapesWorld.MAX_OBJECTS) {
            b.append(" max-objects=").append(maxObjects);
        }
        return b.toString();
    }

    /** The dataset; {@code seed} is shapes' world seed. */
    ImageTextDataset open(long seed) throws IOException {
        ShapesWorld world = new ShapesWorld(size == null ? 32 : size, seed, DataShowCommand.combos(holdOut),
                maxObjects);
        Path root = DatasetCache.rootFor(cache);
        try {
            return Datasets.open(dataset, world, new DatasetCache(root), false, dataset.equals("emoji") ? size : null);
        } catch (UserInputException e) {
            throw new UserInputException("--dataset: " + e.getMessage(), e);
        }
    }

    /** The text tokenizer: byte-level BPE learned from the training split's captions, whichever split is written. */
    ByteBpeTokenizer textTokenizer(ImageTextDataset data) {
        return ByteBpeTokenizer.train(CaptionedPairs.trainingCaptions(data, TOKENIZER_SAMPLE), vocabText - 256,
                List.of());
    }

    /** The text documents of {@code which}, each a list of text ids (the source adds BOS and EOS), encoded when read. */
    List<int[]> texts(ByteBpeTokenizer tok, ImageTextDataset.Split which) throws IOException {
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
                    ? " for held-out rows (every tenth document, separated by blank lines, is held out; it has "
                    + index + ")" : " (only blank lines)") + "; pass --text none for pairs alone");
        }
        return new TextDocuments(docs, tok);
    }

    /** Documents encoded on demand: the source reads a few for its estimate, then only those it places. */
    private static final class TextDocuments extends AbstractList<int[]> implements RandomAccess {
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
}
