package io.fusion4j.eval.data;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.DiscreteImageCodec;

import java.nio.file.Path;

/** Loads a trained VQ tokenizer folder. */
final class VqCodecs {
    private VqCodecs() {
    }

    static DiscreteImageCodec load(Path dir, Backend backend) {
        throw new UserInputException(dir + ": VQ tokenizers load once 'fusion4j tokenizer train' lands");
    }
}
