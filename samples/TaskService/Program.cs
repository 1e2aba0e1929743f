Console.WriteLine("TaskService");
