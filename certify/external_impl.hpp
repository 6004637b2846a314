// An implementation in another process, reached through the implementation
// protocol (docs/protocol.md): one JSON request a line on its stdin, one
// answer a line on its stdout. The adapter is started once and kept for the
// run. Whatever it does (crashes, hangs, prints garbage, answers another case)
// becomes a `broken` result naming the case; lossoracle itself never goes
// down with it. After a broken answer the process is killed and started
// afresh for the next case, since its stream can no longer be trusted.
#pragma once

#include <sys/types.h>

#include <string>

#include "certify/implementation.hpp"

namespace lossoracle::certify {

class ExternalImplementation : public Implementation {
 public:
  ExternalImplementation(std::string spec, std::string command, ImplementationOptions options);
  ~ExternalImplementation() override;
  ExternalImplementation(const ExternalImplementation&) = delete;
  ExternalImplementation& operator=(const ExternalImplementation&) = delete;

  std::string name() const override { return spec_; }
  ImplResult evaluate(const nlohmann::json& request, Dtype dtype) override;
  nlohmann::json versions() const override { return versions_; }

 private:
  enum class Io { ok, timeout, closed };
  bool start(std::string& error);
  void stop();
  Io write_all(const std::string& data, double deadline);
  Io read_line(std::string& line, double deadline);
  std::string exit_description();  // reaps the child: "exited with status 1", "was killed by signal 11 (Segmentation fault)"
  std::string stderr_tail() const;
  ImplResult broken(const std::string& message);

  std::string spec_, command_;
  ImplementationOptions options_;
  pid_t pid_ = -1;
  int to_child_ = -1, from_child_ = -1, stderr_file_ = -1;
  std::string pending_;  // bytes read past the last line
  bool fresh_ = false;   // no case answered since the start: the startup allowance applies
  int consecutive_broken_ = 0;
  std::string disabled_;  // set once the adapter has failed too often in a row
  nlohmann::json versions_ = nlohmann::json::object();  // the last "versions" object an answer carried
};

}  // namespace lossoracle::certify
