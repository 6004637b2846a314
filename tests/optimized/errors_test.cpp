// Bad input: the optimized tier rejects every golden bad-input vector of the
// losses it implements with the reference tier's field and exact message
// (the golden files record the oracle's), in both dtypes.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/protocol.hpp"
#include "core/registry.hpp"
#include "optimized/evaluate.hpp"

namespace lossoracle {
namespace {

TEST(OptimizedErrors, GoldenBadInputsGetTheReferenceMessages) {
  int checked = 0;
  for (const std::string& loss : optimized::bound_losses()) {
    std::ifstream f(std::string(LOSSORACLE_SOURCE_DIR) + "/golden/vectors/" + loss + "_test.json");
    ASSERT_TRUE(f) << loss;
    const nlohmann::json doc = nlohmann::json::parse(f);
    for (const auto& group : doc["testGroups"])
      for (const auto& t : group["tests"]) {
        if (t["result"] != "invalid") continue;
        nlohmann::json request{{"loss", loss}, {"params", group["params"]}, {"inputs", t["inputs"]}};
        if (t.contains("params")) request["params"].update(t["params"]);
        for (auto precision : {optimized::Precision::f64, optimized::Precision::f32}) {
          std::string field, message = "(accepted)";
          try {
            LossCase c = case_from_json(request);
            resolve_case(find_loss(c.loss), c);
            optimized::evaluate(c, precision);
          } catch (const InputError& e) {
            field = e.field();
            message = e.what();
          }
          EXPECT_EQ(field, t["error"]["field"].get<std::string>()) << loss << " tcId " << t["tcId"];
          EXPECT_EQ(message, t["error"]["message"].get<std::string>()) << loss << " tcId " << t["tcId"];
          ++checked;
        }
      }
  }
  EXPECT_GT(checked, 20);
}

}  // namespace
}  // namespace lossoracle
