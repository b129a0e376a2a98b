// Chat: direct conversations and event rooms, sending, history and read marks.
#include <string>

#include "binding.h"
#include "eventify/chat.h"
#include "pager.h"

namespace eventify::python {

void RegisterChat(py::module_& m) {
  py::class_<Chat, std::unique_ptr<Chat, py::nodelete>>(
      m, "Chat", "Conversations and messages (Engine.chat).")
      .def("open_direct", Released(&Chat::OpenDirect),
           py::arg("caller"), py::arg("other_user_id"))
      .def("open_event_room", Released(&Chat::OpenEventRoom),
           py::arg("caller"), py::arg("event_id"))
      .def("get_conversation", Released(&Chat::GetConversation),
           py::arg("caller"), py::arg("conversation_id"))
      .def("list_conversations",
           [](Chat& self, const Principal& caller, int page_size) {
             return MakePager([&self, caller, page_size](const std::string& cursor) {
               return self.ListConversations(caller, cursor, page_size);
             });
           },
           py::arg("caller"), py::arg("page_size") = 20, py::keep_alive<0, 1>())
      .def("send",
           [](Chat& self, const Principal& sender, const std::string& conversation_id,
              const std::string& text, const std::string& idempotency_key,
              const std::string& reply_to_id, bool announcement) {
             NewMessage message;
             message.kind = announcement ? MessageKind::kAnnouncement : MessageKind::kText;
             message.text = text;
             message.reply_to_id = reply_to_id;
             message.idempotency_key = idempotency_key;
             return Call([&] { return self.Send(sender, conversation_id, message); });
           },
           py::arg("sender"), py::arg("conversation_id"), py::arg("text"),
           py::arg("idempotency_key"), py::kw_only(), py::arg("reply_to_id") = "",
           py::arg("announcement") = false)
      .def("history",
           [](Chat& self, const Principal& caller, const std::string& conversation_id,
              int page_size) {
             return MakePager([&self, caller, conversation_id, page_size](
                                  const std::string& cursor) {
               return self.History(caller, conversation_id, cursor, page_size);
             });
           },
           py::arg("caller"), py::arg("conversation_id"), py::arg("page_size") = 20,
           py::keep_alive<0, 1>())
      .def("mark_read",
           [](Chat& self, const Principal& caller, const std::string& conversation_id,
              const std::string& message_id) {
             Call([&] { return self.MarkRead(caller, conversation_id, message_id); });
           },
           py::arg("caller"), py::arg("conversation_id"), py::arg("message_id"));
}

}  // namespace eventify::python
