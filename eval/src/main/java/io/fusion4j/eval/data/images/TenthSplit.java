package io.fusion4j.eval.data.images;

import io.fusion4j.api.UserInputException;

/**
 * The split of a list of {@code n} examples where every tenth (positions 9, 19, …) is validation and the rest, in
 * order, are training: the sizes and the position of a split's {@code index}-th example.
 */
final class TenthSplit {
    private TenthSplit() {
    }

    static int size(int n, ImageTextDataset.Split split) {
        int validation = n / 10;
        return split == ImageTextDataset.Split.VALIDATION ? validation : n - validation;
    }

    /** The list position of example {@code index} of {@code split}; out of range is an error naming {@code what}. */
    static int position(int n, ImageTextDataset.Split split, int index, String what) {
        if (index < 0 || index >= size(n, split)) {
            throw new UserInputException(what + ": index " + index + " is outside the " + split + " split's "
                    + size(n, split) + " examples");
        }
        return split == ImageTextDataset.Split.VALIDATION ? index * 10 + 9 : index + index / 9;
    }
}
