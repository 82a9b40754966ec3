package io.fusion4j.eval.report;

import java.util.List;
import java.util.Objects;

final class Checks {
    private Checks() {
    }

    /** An unmodifiable copy of {@code list}; a null list or element is refused, naming {@code field} and the index. */
    static <T> List<T> copy(List<T> list, String field) {
        Objects.requireNonNull(list, field);
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) {
                throw new NullPointerException(field + "[" + i + "] is null");
            }
        }
        return List.copyOf(list);
    }
}
