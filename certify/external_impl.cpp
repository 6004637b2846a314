#include "certify/external_impl.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "certify/verdict.hpp"
#include "core/error.hpp"
#include "core/hexfloat.hpp"
#include "core/protocol.hpp"

namespace lossoracle::certify {

namespace {

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

int remaining_ms(double deadline) {
  const double left = deadline - now_s();
  return left <= 0 ? 0 : static_cast<int>(std::ceil(left * 1000));
}

std::string excerpt(const std::string& s, std::size_t n = 120) {
  std::string e = s.size() > n ? s.substr(0, n) + "..." : s;
  for (char& c : e)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return e;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

}  // namespace

ExternalImplementation::ExternalImplementation(std::string spec, std::string command, ImplementationOptions options)
    : spec_(std::move(spec)), command_(std::move(command)), options_(options) {
  // A write to an adapter that has died must come back as EPIPE, not kill us.
  ::signal(SIGPIPE, SIG_IGN);
}

ExternalImplementation::~ExternalImplementation() { stop(); }

bool ExternalImplementation::start(std::string& error) {
  int in[2], out[2];
  if (::pipe(in) != 0) {
    error = std::string("cannot create a pipe: ") + std::strerror(errno);
    return false;
  }
  if (::pipe(out) != 0) {
    error = std::string("cannot create a pipe: ") + std::strerror(errno);
    ::close(in[0]);
    ::close(in[1]);
    return false;
  }
  // The adapter's stderr goes to an unlinked file, read back to explain a crash.
  char path[] = "/tmp/lossoracle-adapter-XXXXXX";
  stderr_file_ = ::mkstemp(path);
  if (stderr_file_ >= 0) ::unlink(path);
  pid_ = ::fork();
  if (pid_ < 0) {
    error = std::string("cannot start a process: ") + std::strerror(errno);
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    return false;
  }
  if (pid_ == 0) {
    // Its own process group, so that killing a hung adapter also kills what
    // the shell started.
    ::setpgid(0, 0);
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    if (stderr_file_ >= 0) ::dup2(stderr_file_, 2);
    for (int fd : {in[0], in[1], out[0], out[1], stderr_file_})
      if (fd > 2) ::close(fd);
    ::signal(SIGPIPE, SIG_DFL);
    ::execl("/bin/sh", "sh", "-c", command_.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);
  ::close(in[0]);
  ::close(out[1]);
  to_child_ = in[1];
  from_child_ = out[0];
  ::fcntl(to_child_, F_SETFL, ::fcntl(to_child_, F_GETFL) | O_NONBLOCK);
  ::fcntl(from_child_, F_SETFL, ::fcntl(from_child_, F_GETFL) | O_NONBLOCK);
  ::fcntl(to_child_, F_SETFD, FD_CLOEXEC);
  ::fcntl(from_child_, F_SETFD, FD_CLOEXEC);
  if (stderr_file_ >= 0) ::fcntl(stderr_file_, F_SETFD, FD_CLOEXEC);
  pending_.clear();
  fresh_ = true;
  return true;
}

void ExternalImplementation::stop() {
  if (to_child_ >= 0) ::close(to_child_);
  if (from_child_ >= 0) ::close(from_child_);
  to_child_ = from_child_ = -1;
  if (pid_ > 0) {
    // Closing its stdin asks a well-behaved adapter to finish; give it a moment.
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      ::usleep(20000);
    }
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  if (stderr_file_ >= 0) ::close(stderr_file_);
  stderr_file_ = -1;
}

ExternalImplementation::Io ExternalImplementation::write_all(const std::string& data, double deadline) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(to_child_, data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EPIPE) return Io::closed;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return Io::closed;
    pollfd p{to_child_, POLLOUT, 0};
    const int ms = remaining_ms(deadline);
    if (ms == 0) return Io::timeout;
    if (::poll(&p, 1, ms) == 0) return Io::timeout;
  }
  return Io::ok;
}

ExternalImplementation::Io ExternalImplementation::read_line(std::string& line, double deadline) {
  for (;;) {
    const std::size_t nl = pending_.find('\n');
    if (nl != std::string::npos) {
      line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return Io::ok;
    }
    char buf[65536];
    const ssize_t n = ::read(from_child_, buf, sizeof buf);
    if (n > 0) {
      pending_.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return Io::closed;
    if (errno != EAGAIN && errno != EINTR) return Io::closed;
    pollfd p{from_child_, POLLIN, 0};
    const int ms = remaining_ms(deadline);
    if (ms == 0 || ::poll(&p, 1, ms) == 0) return Io::timeout;
  }
}

std::string ExternalImplementation::exit_description() {
  int status = 0;
  pid_t r = 0;
  // The adapter closed its stdout; give it a moment to be reaped.
  for (int i = 0; i < 100 && (r = ::waitpid(pid_, &status, WNOHANG)) == 0; ++i) ::usleep(20000);
  if (r != pid_) return "closed its output";
  pid_ = -1;
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + ::strsignal(WTERMSIG(status)) + ")";
  return "stopped";
}

std::string ExternalImplementation::stderr_tail() const {
  if (stderr_file_ < 0) return "";
  struct stat st {};
  if (::fstat(stderr_file_, &st) != 0 || st.st_size == 0) return "";
  const off_t size = st.st_size;
  const off_t from = size > 4096 ? size - 4096 : 0;
  std::string text(static_cast<std::size_t>(size - from), '\0');
  const ssize_t n = ::pread(stderr_file_, text.data(), text.size(), from);
  if (n <= 0) return "";
  text.resize(static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) text.pop_back();
  const std::size_t start = text.rfind('\n');
  return excerpt(start == std::string::npos ? text : text.substr(start + 1), 300);
}

ImplResult ExternalImplementation::broken(const std::string& message) {
  ImplResult r;
  r.kind = ImplResult::Kind::broken;
  const std::string tail = stderr_tail();
  r.message = message + (tail.empty() ? "" : "; its stderr ends: " + tail);
  stop();
  if (++consecutive_broken_ >= options_.max_consecutive_broken)
    disabled_ = "the adapter failed " + std::to_string(consecutive_broken_) + " cases in a row (last: " + r.message + ")";
  return r;
}

ImplResult ExternalImplementation::evaluate(const nlohmann::json& request, Dtype dtype) {
  const std::string id = request.contains("id") && request.at("id").is_string() ? request.at("id").get<std::string>()
                                                                                : request.value("id", nlohmann::json()).dump();
  if (!disabled_.empty()) return {ImplResult::Kind::broken, {}, "not run: " + disabled_, ""};
  if (pid_ < 0) {
    std::string error;
    if (!start(error)) return broken("adapter '" + command_ + "' could not be started: " + error);
  }
  const double deadline = now_s() + options_.timeout_s + (fresh_ ? options_.startup_timeout_s : 0);
  const double allowed = deadline - now_s();
  nlohmann::json message = request;
  message["dtype"] = dtype_name(dtype);

  const Io w = write_all(message.dump() + "\n", deadline);
  if (w == Io::closed) return broken("adapter " + exit_description() + " before reading case " + id);
  std::string line;
  const Io rd = w == Io::ok ? read_line(line, deadline) : Io::timeout;
  if (rd == Io::timeout) {
    ::kill(-pid_, SIGKILL);
    return broken("adapter did not answer case " + id + " within " + seconds_text(allowed) + " s (killed)");
  }
  if (rd == Io::closed) return broken("adapter " + exit_description() + " while answering case " + id);
  fresh_ = false;

  nlohmann::json answer;
  try {
    answer = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception&) {
    return broken("adapter answered case " + id + " with a line that is not JSON: " + excerpt(line));
  }
  if (!answer.is_object()) return broken("adapter answered case " + id + " with JSON that is not an object: " + excerpt(line));
  if (answer.value("id", nlohmann::json()) != request.value("id", nlohmann::json()))
    return broken("adapter answered case " + id + " with the id " + answer.value("id", nlohmann::json()).dump() +
                  " (answers must come in order, echoing the request's id)");

  if (answer.contains("versions")) {
    const nlohmann::json& v = answer.at("versions");
    bool strings = v.is_object();
    for (const auto& item : v.items()) strings = strings && item.value().is_string();
    if (!strings)
      return broken("adapter answered case " + id + " with \"versions\" that is not an object of strings: " +
                    excerpt(v.dump()));
    versions_ = v;
  }
  ImplResult r;
  if (answer.contains("unsupported")) {
    const nlohmann::json& u = answer.at("unsupported");
    if (!u.is_string() || u.get<std::string>().empty())
      return broken("adapter answered case " + id + " with \"unsupported\" that is not a non-empty string (the reason): " +
                    excerpt(u.dump()));
    if (answer.contains("outputs") || answer.contains("error"))
      return broken("adapter answered case " + id + " with \"unsupported\" beside \"outputs\" or \"error\"");
    r.kind = ImplResult::Kind::unsupported;
    r.message = u.get<std::string>();
    consecutive_broken_ = 0;
    return r;
  }
  if (answer.contains("error")) {
    const nlohmann::json& e = answer.at("error");
    r.kind = ImplResult::Kind::rejected;
    r.message = e.is_string() ? e.get<std::string>() : e.is_object() && e.contains("message") ? e.at("message").dump() : e.dump();
    consecutive_broken_ = 0;
    return r;
  }
  if (!answer.contains("outputs") || !answer.at("outputs").is_object())
    return broken("adapter answered case " + id + " with neither \"outputs\" nor \"error\": " + excerpt(line));
  r.kind = ImplResult::Kind::outputs;
  if (answer.contains("convention")) {
    const nlohmann::json& conv = answer.at("convention");
    if (!conv.is_string() || !known_convention(conv.get<std::string>())) {
      std::string known;
      for (const Convention& k : conventions()) known += (known.empty() ? "" : ", ") + std::string(k.name);
      return broken("adapter answered case " + id + " with the convention " + conv.dump() + ", not one of: " + known);
    }
    r.convention = conv.get<std::string>();
  }
  for (const auto& [name, value] : answer.at("outputs").items()) {
    ImplOutput out{name, {}, {}};
    try {
      Tensor t = tensor_from_json(value, "outputs." + name);
      out.shape = std::move(t.shape);
      out.values = std::move(t.values);
    } catch (const InputError& e) {
      return broken("adapter answered case " + id + " with a malformed output: " + e.what());
    }
    for (std::size_t k = 0; k < out.values.size(); ++k)
      if (!representable(dtype, out.values[k]))
        return broken("adapter answered case " + id + " with outputs." + name + "[" + std::to_string(k) + "] = " +
                      hex64(out.values[k]) + ", not a " + dtype_name(dtype) + " value");
    r.outputs.push_back(std::move(out));
  }
  consecutive_broken_ = 0;
  return r;
}

}  // namespace lossoracle::certify
