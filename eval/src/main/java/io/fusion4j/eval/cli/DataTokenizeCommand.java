package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.DiscreteImageCodec;
import io.fusion4j.api.data.GridImageTokenizer;
import io.fusion4j.api.data.MixedSequenceSource;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.text.ByteBpeTokenizer;
import io.fusion4j.eval.data.ImageCodecs;
import io.fusion4j.eval.data.ImageTextRows;
import io.fusion4j.eval.data.MixedTokenRows;
import io.fusion4j.eval.data.images.ImageTextDataset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
    /** The largest image codebook: every code is an embedding row and an output of the model. */
    static final int MAX_CODES = 65_536;

    @Spec
    CommandSpec spec;

    @Mixin
    ImageTextOptions data;

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

    @Option(names = "--caption-dropout", defaultValue = "0", description = "Share of image-caption pairs laid out"
            + " without their caption, so the model can be sampled with classifier-free guidance (default:"
            + " ${DEFAULT-VALUE}).")
    double captionDropout;

    @Option(names = "--cell", defaultValue = "4", description = "Grid image tokenizer: one code per cell x cell pixels"
            + " (default: ${DEFAULT-VALUE}).")
    int cell;

    @Option(names = "--levels", description = "Grid image tokenizer: steps per channel of a cell's mean colour, codes"
            + " = levels^channels (default: 4 for colour images, 64 for grey: 64 codes).")
    Integer levels;

    @Option(names = "--image-tokenizer", paramLabel = "DIR", description = "Images as the codes of this tokenizer (a"
            + " folder from 'fusion4j tokenizer train --kind vq') instead of the grid tokenizer of --cell and --levels.")
    Path imageTokenizer;

    @Mixin
    BackendChoice backendChoice;

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
        if (!(captionDropout >= 0 && captionDropout <= 1)) {
            throw new UserInputException("--caption-dropout must be in [0, 1], found " + captionDropout);
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
        var parse = spec.commandLine().getParseResult();
        if (imageTokenizer != null && (parse.hasMatchedOption("--cell") || parse.hasMatchedOption("--levels"))) {
            throw new UserInputException("--cell and --levels choose the grid tokenizer; --image-tokenizer "
                    + imageTokenizer + " brings its own codes: give one or the other");
        }
        if (imageTokenizer != null && !Files.isDirectory(imageTokenizer)) {
            throw new UserInputException("--image-tokenizer " + imageTokenizer + ": no such folder (a folder from"
                    + " 'fusion4j tokenizer train --kind vq')");
        }
        this.data.check(spec);
        ImageTextDataset data = this.data.open(seed);
        int trainSize = data.size(ImageTextDataset.Split.TRAIN);
        if (trainSize == 0) {
            throw new UserInputException("--dataset " + this.data.dataset + " has no training examples (its tokenizer and image"
                    + " codebook come from them)");
        }
        if (data.size(which) == 0) {
            throw new UserInputException("--split " + split + ": --dataset " + this.data.dataset + " has no " + split
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
        ByteBpeTokenizer tok = this.data.textTokenizer(data);
        ImageTextDataset.Sample sample = data.get(ImageTextDataset.Split.TRAIN, 0);
        if (sample.image().height() != sample.image().width()) {
            throw new UserInputException("--dataset " + this.data.dataset + ": images are " + sample.image().height()
                    + "x" + sample.image().width() + "; the image tokenizers take square images");
        }
        if (sample.image().height() % cell != 0) {
            throw new UserInputException("--cell " + cell + " must divide both sides of every image, but "
                    + data.name() + " training image 0 is " + sample.image().height() + "x" + sample.image().width());
        }
        DiscreteImageCodec codec;
        String codecName;
        ImageTextRows.Built made;
        try (io.fusion4j.api.backend.Backend backend = imageTokenizer == null ? null : backendChoice.create()) {
            if (imageTokenizer == null) {
                codec = GridImageTokenizer.discrete(cell, steps).codec(channels, sample.image().height());
                codecName = "grid cell=" + cell + " levels=" + steps + " channels=" + channels;
            } else {
                codec = ImageCodecs.load(imageTokenizer, backend);
                codecName = "learned " + imageTokenizer.getFileName();
                if (codec.channels() != channels || codec.side() != sample.image().height()) {
                    throw new UserInputException("--image-tokenizer " + imageTokenizer + " takes " + codec.channels()
                            + "x" + codec.side() + "x" + codec.side() + " images, but " + data.name() + "'s are "
                            + channels + "x" + sample.image().height() + "x" + sample.image().width());
                }
            }
            long started = System.nanoTime();
            long[] shown = {started};
            made = ImageTextRows.build(data, which, codec, tok, this.data.texts(tok, which), rows,
                    length, seed, ImageTextRows.Layout.moma(captionDropout), done -> {
                        long now = System.nanoTime();
                        if (now - shown[0] > 2_000_000_000L && done < rows) {
                            shown[0] = now;
                            err.printf("fusion4j: %,d of %,d rows...%n", done, rows);
                            err.flush();
                        }
                    });
        }
        Vocabulary vocab = made.vocabulary();
        MixedTokenRows.Rows built = made.rows();
        MixedTokenRows.write(built, metadata(made, codecName), out);

        double epochs = (double) built.documents() / built.documentsPerEpoch();
        o.printf(Locale.ROOT, "wrote %,d rows of %d (+1) to %s: vocab %d (text %d, BOS/EOS/BOI/EOI %d-%d, %d image"
                        + " codes from %d); tokens text %.1f%% : image %.1f%%; %,d documents of %s %s (%s); %.1f%%"
                        + " of positions repeat the next row's start (for padding)%n",
                rows, length, out, vocab.size(), vocab.textSize(), vocab.bos(), vocab.eoi(), vocab.imageCodes(),
                vocab.imageOffset(), 100 * built.textShare(), 100 * (1 - built.textShare()), built.documents(),
                this.data.dataset, split, epochs >= 1 ? String.format(Locale.ROOT, "%.2f epochs", epochs)
                        : String.format(Locale.ROOT, "%.2f%% of an epoch", 100 * epochs),
                100.0 * built.repeated() / ((long) rows * (length + 1)));
        return 0;
    }

    private Map<String, String> metadata(ImageTextRows.Built made, String codecName) {
        Map<String, String> m = ImageTextRows.metadata(made);
        m.put("image_tokenizer", codecName);
        m.put("dataset", data.dataset);
        if (data.dataset.equals("shapes")) {
            m.put("shapes_size", Integer.toString(data.size == null ? 32 : data.size));
            m.put("shapes_hold_out", data.holdOut == null ? "" : String.join(",", data.holdOut));
            m.put("shapes_max_objects", Integer.toString(data.maxObjects));
        }
        if (data.dataset.equals("emoji") && data.size != null) {
            m.put("emoji_size", Integer.toString(data.size));
        }
        m.put("split", split);
        m.put("seed", Long.toString(seed));
        m.put("text", data.text);
        m.put("caption_dropout", Double.toString(captionDropout));
        m.put("repeated_positions", Long.toString(made.rows().repeated()));
        return m;
    }
}
