package io.fusion4j.eval.suite;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.Image;
import io.fusion4j.eval.classify.ClassifierCache;
import io.fusion4j.eval.classify.ClassifierTask;
import io.fusion4j.eval.classify.ImageClassifier;
import io.fusion4j.eval.classify.LabelledImages;
import io.fusion4j.eval.data.fetch.Catalogue;
import io.fusion4j.eval.data.fetch.DatasetCache;
import io.fusion4j.eval.data.images.ImageTextDataset;
import io.fusion4j.eval.data.images.MnistImages;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * MNIST for the suite: the validation split interleaves the digits, so prompt {@code i} asks for digit {@code i mod
 * 10} (in its sample's first caption, "a handwritten seven") and any prefix is balanced. An image is right when the
 * digit classifier reads the prompted digit; a caption is right when the only digit it names, as a word or a numeral,
 * is the image's. The validation split is cut in thirds: real set 0, real set 1 and the captioned images.
 */
final class DigitsSuiteImages implements SuiteImages {
    private static final String[] WORDS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
            "nine"};
    private final ImageTextDataset data;
    private final HeldOutThirds thirds;

    DigitsSuiteImages(ImageTextDataset data) {
        this.data = data;
        this.thirds = new HeldOutThirds(data, "validation split");
    }

    static DigitsSuiteImages fetched(DatasetCache cache) throws IOException {
        Path pkg = cache.packageFolder(Catalogue.builtin().get("mnist"));
        if (!Files.isDirectory(pkg)) {
            throw new UserInputException("--dataset mnist: not in the cache " + cache.root() + "; run 'fusion4j data"
                    + " fetch mnist' first");
        }
        return new DigitsSuiteImages(MnistImages.read(pkg, false));
    }

    @Override
    public SuiteScoring scoring() {
        return SuiteScoring.DIGITS;
    }

    @Override
    public ImageClassifier classifier(Path cacheDir, Consumer<String> progress) throws IOException {
        return ClassifierCache.load(cacheDir, LabelledImages.digits(data), 1, 28, 1, progress);
    }

    @Override
    public List<Prompt> prompts(int n) {
        List<Prompt> p = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ImageTextDataset.Sample s = thirds.sample(i);
            p.add(Prompt.labelled(s.captions().getFirst(), digit(s, i)));
        }
        return p;
    }

    @Override
    public List<Image> real(int set, int n) {
        return thirds.real(set, n);
    }

    @Override
    public List<Captioned> captioned(int n) {
        int from = thirds.captionedFrom(n);
        List<Captioned> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ImageTextDataset.Sample s = thirds.sample(from + i);
            int digit = digit(s, from + i);
            out.add(new Captioned(s.image(), s.captions(), c -> Map.of("digit", named(c).equals(
                    new TreeSet<>(List.of(digit))))));
        }
        return out;
    }

    /** The digits a caption names, as words ("seven") or numerals ("7", "17" names 1 and 7). */
    static TreeSet<Integer> named(String caption) {
        TreeSet<Integer> out = new TreeSet<>();
        for (String w : caption.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
            for (int d = 0; d < 10; d++) {
                if (w.equals(WORDS[d])) {
                    out.add(d);
                }
            }
            for (char ch : w.toCharArray()) {
                if (ch >= '0' && ch <= '9') {
                    out.add(ch - '0');
                }
            }
        }
        return out;
    }

    private int digit(ImageTextDataset.Sample s, int i) {
        return LabelledImages.classOf(ClassifierTask.DIGITS, data, s, i);
    }

    /** Grey images for the grey classifier (a run trained on promoted RGB digits draws three equal channels). */
    @Override
    public List<Image> asClassifierInput(List<Image> images) {
        List<Image> out = new ArrayList<>(images.size());
        for (Image im : images) {
            if (im.channels() == 1) {
                out.add(im);
                continue;
            }
            int hw = im.height() * im.width();
            float[] g = new float[hw];
            for (int c = 0; c < im.channels(); c++) {
                for (int k = 0; k < hw; k++) {
                    g[k] += im.pixels()[c * hw + k] / im.channels();
                }
            }
            out.add(new Image(1, im.height(), im.width(), g));
        }
        return out;
    }
}
