package org.alliedexchange.k8s;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without kubectl the manifests' checks fail, saying why; they never pass by skipping. */
class KustomizeTest {

  @Test
  void noKubectlFailsWithAMessageSayingWhatIsMissing(@TempDir Path emptyDir) {
    assertThatThrownBy(() -> Kustomize.kubectl(emptyDir.toString()))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("kubectl is not on the PATH")
        .hasMessageContaining("these checks do not skip");
  }
}
